import GalleyFuzzTargets

/// libFuzzer's entry point; libFuzzer provides `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.syncPage(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
