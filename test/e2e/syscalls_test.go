package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSyscalls runs testdata/syscalls, which goes through most rows of
// docs/syscalls.md (files, descriptors, pipes, eventfd/timerfd/signalfd,
// epoll, sockets, memory, processes, threads, signals, time, limits, prctl,
// memfd), natively and under dmvx with 2 and 3 variants, each run in a fresh
// directory. The output, the exit status and the files left in the directory
// must be the same.
func TestSyscalls(t *testing.T) {
	natDir := t.TempDir()
	nat := native(t, opts{dir: natDir}, testBin("syscalls"), natDir)
	if nat.code != 0 || !bytes.HasSuffix(nat.stdout, []byte("all done\n")) {
		t.Fatalf("native syscalls: exit %d\nstdout:\n%s\nstderr:\n%s", nat.code, nat.stdout, nat.stderr)
	}
	want := fileTree(t, natDir)
	eachN(t, func(t *testing.T, n int) {
		dir := t.TempDir()
		d := underDmvx(t, opts{dir: dir}, variants(n), testBin("syscalls"), dir)
		sameOutput(t, nat, d)
		checkOK(t, d, n, nat)
		if d.code != 0 {
			return
		}
		got := fileTree(t, dir)
		if !slices.Equal(got, want) {
			t.Errorf("files differ from the native run's:\n%s", diff([]byte(strings.Join(want, "\n")+"\n"),
				[]byte(strings.Join(got, "\n")+"\n")))
		}
	})
}

// fileTree describes what is under dir, one line per entry in path order:
// type and permissions, and the content of regular files (a digest of
// large ones), the target of symbolic links. Times are left out, except the
// modification time that syscalls set to a fixed value on utime.txt.
func fileTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", rel, info.Mode())
		switch {
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if len(data) <= 64 {
				line += fmt.Sprintf(" %q", data)
			} else {
				line += fmt.Sprintf(" %d bytes, sum %d", len(data), byteSum(data))
			}
			if e.Name() == "utime.txt" {
				line += fmt.Sprintf(" mtime %d", info.ModTime().UnixNano())
			}
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func byteSum(b []byte) uint64 {
	var s uint64
	for i, c := range b {
		s += uint64(c) * uint64(i%251+1)
	}
	return s
}
