package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// processorPackage is built when no processor binary is found.
const processorPackage = "github.com/s321/s321/cmd/processor"

// defaultProcessor returns the processor binary to measure when no
// --processor is given, and a function that removes what it built:
//
//   - the file "processor" in the directory of this binary, when there is
//     one: `go build -o bin/ ./cmd/...` and `go install ./cmd/...` put the
//     two side by side, built from the same source;
//   - else ./cmd/processor built from the module of the current directory
//     into a temporary directory (`go run ./cmd/s321-bench` runs from a
//     build cache, with nothing beside it).
func defaultProcessor(ctx context.Context, log io.Writer) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("find this binary: %w", err)
	}
	return findOrBuildProcessor(ctx, self, log)
}

func findOrBuildProcessor(ctx context.Context, self string, log io.Writer) (string, func(), error) {
	beside := filepath.Join(filepath.Dir(self), "processor")
	if info, err := os.Stat(beside); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
		fmt.Fprintf(log, "s321-bench: measuring %s (beside this binary, built %s)\n", beside, info.ModTime().Format("2006-01-02 15:04:05"))
		return beside, func() {}, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir, err := os.MkdirTemp("", "s321-bench-processor-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	out := filepath.Join(dir, "processor")
	fmt.Fprintf(log, "s321-bench: no processor beside %s; building %s into %s\n", self, processorPackage, dir)
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, processorPackage)
	if msg, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build the processor (run from the s321 source tree, or give --processor PATH): %v\n%s", err, msg)
	}
	return out, cleanup, nil
}
