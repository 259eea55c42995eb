/*
 * The fault-injecting SQLite VFS described in include/fault_vfs.h. Written in C by hand: a VFS is
 * a table of C function pointers SQLite calls on its own threads, and no listed package offers
 * one; SQLite's own test VFSes (test_vfs.c, test6.c) are part of its test harness, not the library.
 */
#include "fault_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct PendingWrite {
    sqlite3_int64 offset;
    int length;
    unsigned char *before;      /* the bytes this write overwrote (those inside the old size) */
    int beforeLength;
    sqlite3_int64 sizeBefore;   /* the file's size before this write */
    struct PendingWrite *next;  /* older write */
} PendingWrite;

typedef struct FaultFile {
    sqlite3_file base;
    sqlite3_file *real;         /* allocated right after this struct */
    PendingWrite *pending;      /* newest first */
    struct FaultFile *nextOpen;
    struct FaultFile *previousOpen;
} FaultFile;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3_vfs *realVFS;
static sqlite3_vfs faultVFS;
static FaultFile *openFiles;
static int mode = FAULTVFS_OFF;
static long long trigger;
static int persistent;
static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static long long operations, writes, syncs;
static int fired;

static unsigned long long nextRandom(void) {
    /* SplitMix64: small, seeded, reproducible. */
    unsigned long long z = (rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void forget(FaultFile *file) {
    PendingWrite *write = file->pending;
    while (write) {
        PendingWrite *older = write->next;
        free(write->before);
        free(write);
        write = older;
    }
    file->pending = 0;
}

/* Restores bytes [from, offset+length) of one write to what they were before it. */
static void undo(FaultFile *file, PendingWrite *write, sqlite3_int64 from) {
    const sqlite3_io_methods *methods = file->real->pMethods;
    sqlite3_int64 end = write->offset + write->length;
    sqlite3_int64 beforeEnd = write->offset + write->beforeLength;
    if (from < beforeEnd) {
        methods->xWrite(file->real, write->before + (from - write->offset), (int)(beforeEnd - from), from);
    }
    if (end > write->sizeBefore) {
        /* The write grew the file: cut what it added (from `from` on). */
        sqlite3_int64 cut = from > write->sizeBefore ? from : write->sizeBefore;
        sqlite3_int64 size = 0;
        methods->xFileSize(file->real, &size);
        if (size > cut) methods->xTruncate(file->real, cut);
    }
}

/* The power goes: each file keeps only some of what was not synced. Called with the lock held. */
static void losePower(void) {
    for (FaultFile *file = openFiles; file; file = file->nextOpen) {
        for (PendingWrite *write = file->pending; write; write = write->next) {
            switch (nextRandom() % 3) {
            case 0: undo(file, write, write->offset); break;                                     /* dropped */
            case 1: break;                                                                          /* kept */
            default: undo(file, write, write->offset + ((write->length / 2) / 512) * 512); break; /* torn */
            }
        }
        file->real->pMethods->xSync(file->real, SQLITE_SYNC_FULL);
        forget(file);
    }
    fired = 1;
}

/* Counts one write or sync; returns nonzero when it must fail. Called with the lock held. */
static int faultBefore(int isSync) {
    if (mode == FAULTVFS_POWER_LOSS && fired) return 1;
    operations++;
    if (isSync) syncs++; else writes++;
    switch (mode) {
    case FAULTVFS_POWER_LOSS:
        if (operations >= trigger) {
            losePower();
            return 1;
        }
        return 0;
    case FAULTVFS_FAIL_WRITE:
        if (isSync) return 0;
        if (writes == trigger || (persistent && writes > trigger)) {
            fired = 1;
            return 1;
        }
        return 0;
    case FAULTVFS_FAIL_SYNC:
        if (!isSync) return 0;
        if (syncs == trigger || (persistent && syncs > trigger)) {
            fired = 1;
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static int faultClose(sqlite3_file *base) {
    FaultFile *file = (FaultFile *)base;
    pthread_mutex_lock(&lock);
    if (file->previousOpen) file->previousOpen->nextOpen = file->nextOpen; else openFiles = file->nextOpen;
    if (file->nextOpen) file->nextOpen->previousOpen = file->previousOpen;
    forget(file);
    pthread_mutex_unlock(&lock);
    return file->real->pMethods->xClose(file->real);
}

static int faultRead(sqlite3_file *base, void *buffer, int amount, sqlite3_int64 offset) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xRead(file->real, buffer, amount, offset);
}

static int faultWrite(sqlite3_file *base, const void *buffer, int amount, sqlite3_int64 offset) {
    FaultFile *file = (FaultFile *)base;
    pthread_mutex_lock(&lock);
    if (faultBefore(0)) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_WRITE;
    }
    if (mode == FAULTVFS_DISK_FULL && writes >= trigger) {
        sqlite3_int64 size = 0;
        file->real->pMethods->xFileSize(file->real, &size);
        if (offset + amount > size) {
            fired = 1;
            pthread_mutex_unlock(&lock);
            return SQLITE_FULL;
        }
    }
    if (mode == FAULTVFS_POWER_LOSS) {
        PendingWrite *write = calloc(1, sizeof(PendingWrite));
        if (!write) {
            pthread_mutex_unlock(&lock);
            return SQLITE_IOERR_NOMEM;
        }
        sqlite3_int64 size = 0;
        file->real->pMethods->xFileSize(file->real, &size);
        write->offset = offset;
        write->length = amount;
        write->sizeBefore = size;
        if (offset < size) {
            sqlite3_int64 end = offset + amount < size ? offset + amount : size;
            write->beforeLength = (int)(end - offset);
            write->before = malloc((size_t)write->beforeLength);
            if (write->before) {
                int rc = file->real->pMethods->xRead(file->real, write->before, write->beforeLength, offset);
                if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) write->beforeLength = 0;
            } else {
                write->beforeLength = 0;
            }
        }
        write->next = file->pending;
        file->pending = write;
    }
    /* Written under the lock, so no write can land after a power loss another thread caused. */
    int rc = file->real->pMethods->xWrite(file->real, buffer, amount, offset);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int faultTruncate(sqlite3_file *base, sqlite3_int64 size) {
    FaultFile *file = (FaultFile *)base;
    pthread_mutex_lock(&lock);
    int dead = mode == FAULTVFS_POWER_LOSS && fired;
    pthread_mutex_unlock(&lock);
    if (dead) return SQLITE_IOERR_TRUNCATE;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int faultSync(sqlite3_file *base, int flags) {
    FaultFile *file = (FaultFile *)base;
    pthread_mutex_lock(&lock);
    if (faultBefore(1)) {
        pthread_mutex_unlock(&lock);
        return SQLITE_IOERR_FSYNC;
    }
    int rc = file->real->pMethods->xSync(file->real, flags);
    if (rc == SQLITE_OK) forget(file);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int faultFileSize(sqlite3_file *base, sqlite3_int64 *size) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int faultLock(sqlite3_file *base, int level) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xLock(file->real, level);
}

static int faultUnlock(sqlite3_file *base, int level) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int faultCheckReservedLock(sqlite3_file *base, int *result) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xCheckReservedLock(file->real, result);
}

static int faultFileControl(sqlite3_file *base, int op, void *argument) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int faultSectorSize(sqlite3_file *base) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xSectorSize(file->real);
}

static int faultDeviceCharacteristics(sqlite3_file *base) {
    FaultFile *file = (FaultFile *)base;
    /* Claim nothing: SQLite must not rely on atomic or safe-append writes the test breaks. */
    return file->real->pMethods->xDeviceCharacteristics(file->real)
        & ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_POWERSAFE_OVERWRITE);
}

/* Shared memory (the WAL index) is rebuilt on recovery: passed through untouched. */
static int faultShmMap(sqlite3_file *base, int page, int size, int extend, void volatile **out) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xShmMap(file->real, page, size, extend, out);
}

static int faultShmLock(sqlite3_file *base, int offset, int count, int flags) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void faultShmBarrier(sqlite3_file *base) {
    FaultFile *file = (FaultFile *)base;
    file->real->pMethods->xShmBarrier(file->real);
}

static int faultShmUnmap(sqlite3_file *base, int deleteFlag) {
    FaultFile *file = (FaultFile *)base;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static const sqlite3_io_methods faultMethods = {
    2,
    faultClose, faultRead, faultWrite, faultTruncate, faultSync, faultFileSize, faultLock, faultUnlock,
    faultCheckReservedLock, faultFileControl, faultSectorSize, faultDeviceCharacteristics,
    faultShmMap, faultShmLock, faultShmBarrier, faultShmUnmap,
    0, 0,
};

static int faultOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *base, int flags, int *outFlags) {
    (void)vfs;
    FaultFile *file = (FaultFile *)base;
    memset(file, 0, sizeof(FaultFile));
    file->real = (sqlite3_file *)(file + 1);
    int rc = realVFS->xOpen(realVFS, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        file->base.pMethods = 0;
        return rc;
    }
    file->base.pMethods = &faultMethods;
    pthread_mutex_lock(&lock);
    file->nextOpen = openFiles;
    if (openFiles) openFiles->previousOpen = file;
    openFiles = file;
    pthread_mutex_unlock(&lock);
    return SQLITE_OK;
}

static int faultDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    pthread_mutex_lock(&lock);
    int dead = mode == FAULTVFS_POWER_LOSS && fired;
    pthread_mutex_unlock(&lock);
    if (dead) return SQLITE_IOERR_DELETE;
    return realVFS->xDelete(realVFS, name, syncDirectory);
}

static int faultAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    (void)vfs;
    return realVFS->xAccess(realVFS, name, flags, result);
}

static int faultFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return realVFS->xFullPathname(realVFS, name, size, out);
}

static void *faultDlOpen(sqlite3_vfs *vfs, const char *name) { (void)vfs; return realVFS->xDlOpen(realVFS, name); }
static void faultDlError(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; realVFS->xDlError(realVFS, size, out); }
static void (*faultDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return realVFS->xDlSym(realVFS, handle, symbol);
}
static void faultDlClose(sqlite3_vfs *vfs, void *handle) { (void)vfs; realVFS->xDlClose(realVFS, handle); }
static int faultRandomness(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return realVFS->xRandomness(realVFS, size, out); }
static int faultSleep(sqlite3_vfs *vfs, int microseconds) { (void)vfs; return realVFS->xSleep(realVFS, microseconds); }
static int faultCurrentTime(sqlite3_vfs *vfs, double *out) { (void)vfs; return realVFS->xCurrentTime(realVFS, out); }
static int faultGetLastError(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return realVFS->xGetLastError(realVFS, size, out); }
static int faultCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return realVFS->xCurrentTimeInt64(realVFS, out);
}

int faultvfs_register(void) {
    if (realVFS) return SQLITE_OK;
    realVFS = sqlite3_vfs_find(0);
    if (!realVFS) return SQLITE_ERROR;
    faultVFS = (sqlite3_vfs){
        1, (int)(sizeof(FaultFile) + (size_t)realVFS->szOsFile), realVFS->mxPathname, 0, "faultvfs", 0,
        faultOpen, faultDelete, faultAccess, faultFullPathname,
        faultDlOpen, faultDlError, faultDlSym, faultDlClose,
        faultRandomness, faultSleep, faultCurrentTime, faultGetLastError,
    };
    if (realVFS->iVersion >= 2 && realVFS->xCurrentTimeInt64) {
        faultVFS.iVersion = 2;
        faultVFS.xCurrentTimeInt64 = faultCurrentTimeInt64;
    }
    return sqlite3_vfs_register(&faultVFS, 1);
}

void faultvfs_configure(int newMode, long long newTrigger, int newPersistent, unsigned long long seed) {
    pthread_mutex_lock(&lock);
    mode = newMode;
    trigger = newTrigger;
    persistent = newPersistent;
    rng = seed ^ 0x9E3779B97F4A7C15ULL;
    operations = writes = syncs = 0;
    fired = 0;
    pthread_mutex_unlock(&lock);
}

long long faultvfs_operations(void) {
    pthread_mutex_lock(&lock);
    long long count = operations;
    pthread_mutex_unlock(&lock);
    return count;
}

int faultvfs_fired(void) {
    pthread_mutex_lock(&lock);
    int result = fired;
    pthread_mutex_unlock(&lock);
    return result;
}
