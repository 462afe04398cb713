import Foundation

#if FUZZING
/// libFuzzer's entry point for programs that keep their own `main` (SwiftPM executables do).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// The `main` of a fuzz target executable. Built with `-sanitize=fuzzer -DFUZZING`
/// (README, "Fuzzing") it hands the command line to libFuzzer, which calls
/// `testOneInput` with generated inputs; built normally it runs `testOneInput` on the
/// bytes of each file named on the command line (a crash file libFuzzer wrote, say) and
/// prints `PATH: ok` for each.
public enum FuzzTarget {
    /// Runs the target as described above; `usage` is printed, with exit status 2, when a
    /// replay names no file.
    ///
    /// - Throws: the error of reading a file that cannot be read.
    public static func main(
        usage: String,
        testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) throws -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, testOneInput))
        #else
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            exit(2)
        }
        for path in paths {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = data.withUnsafeBytes { bytes in
                testOneInput(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
            }
            print("\(path): ok")
        }
        exit(0)
        #endif
    }
}
