#ifndef GALLEY_FAULT_VFS_H
#define GALLEY_FAULT_VFS_H

/*
 * A test-only SQLite VFS that wraps the default one and injects faults, for the reliability
 * harness (Reliability/powerloss_test.py, galley-faultsim). Never linked into galleyd.
 *
 * Power loss (SQLite's own crash-test method): every write since a file's last sync is
 * remembered with the bytes it overwrote. At the chosen operation the VFS "loses power": for
 * each open file, each unsynced write is kept, undone, or torn (its second half undone), chosen
 * by a seeded generator, newest first, which also reorders them; from then on every write and
 * sync fails, as the process of a machine that lost power can no longer write anything.
 *
 * A full disk: from the Nth write on, writes that grow a file fail with SQLITE_FULL.
 *
 * I/O errors: the Nth write or sync fails with SQLITE_IOERR_WRITE / SQLITE_IOERR_FSYNC, once or
 * persistently from then on.
 */

enum {
    FAULTVFS_OFF = 0,
    FAULTVFS_POWER_LOSS = 1,
    FAULTVFS_FAIL_WRITE = 2,
    FAULTVFS_FAIL_SYNC = 3,
    /* From the Nth write on, every write that would grow a file fails with SQLITE_FULL (overwrites
       still succeed, as on a full disk), until the mode is changed ("space returns"). */
    FAULTVFS_DISK_FULL = 4,
};

/* Registers the VFS under the name "faultvfs" as the process's default. Returns an SQLite code. */
int faultvfs_register(void);

/* mode: FAULTVFS_*; trigger: the 1-based operation (writes and syncs counted together for power
   loss, writes only or syncs only for the I/O errors) at which the fault happens; persistent:
   for I/O errors, whether every later one fails too; seed: for power loss's choices. */
void faultvfs_configure(int mode, long long trigger, int persistent, unsigned long long seed);

/* Writes plus syncs so far (the crash-point space of a workload). */
long long faultvfs_operations(void);

/* Whether the fault has happened. */
int faultvfs_fired(void);

#endif
