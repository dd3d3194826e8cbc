// Package launch starts a variant: it forks the embedded freestanding
// launcher under PTRACE_TRACEME, so that the calling thread traces it from
// its first instruction; the launcher installs the seccomp filter built
// here and execs the program.
//
// Precondition for Start: the calling goroutine has locked its OS thread and
// will do all ptrace requests for the new variant from it.
package launch

import (
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// blob holds the launcher that `make build` compiles from launcher/. The
// all: prefix lets a checkout without it still compile (it holds .keep);
// Start then says how to build it.
//
//go:embed all:blob
var blob embed.FS

var (
	memfdOnce sync.Once
	memfdPath string
	memfdErr  error
)

// path returns a path that execs the launcher: a sealed memfd that stays
// open (close-on-exec) for the life of dmvx.
func path() (string, error) {
	memfdOnce.Do(func() {
		code, err := blob.ReadFile("blob/launcher-" + runtime.GOARCH)
		if err != nil {
			memfdErr = fmt.Errorf("this dmvx was built without its %s launcher: build it with `make build` (or `make bin/arm64/dmvx`)", runtime.GOARCH)
			return
		}
		fd, err := unix.MemfdCreate("dmvx-launch", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
		if err != nil {
			memfdErr = fmt.Errorf("memfd_create: %w", err)
			return
		}
		f := os.NewFile(uintptr(fd), "dmvx-launch")
		if _, err := f.Write(code); err != nil {
			memfdErr = fmt.Errorf("writing launcher: %w", err)
			return
		}
		// Sealed, so that nothing can change the code every variant starts with.
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS,
			unix.F_SEAL_WRITE|unix.F_SEAL_GROW|unix.F_SEAL_SHRINK|unix.F_SEAL_SEAL)
		memfdPath = fmt.Sprintf("/proc/self/fd/%d", fd)
		// Kept open for the life of dmvx: the path above refers to it.
		memfdFile = f
	})
	return memfdPath, memfdErr
}

var memfdFile *os.File

// Seccomp return values.
const (
	retKillProcess = 0x80000000
	retTrace       = 0x7ff00000
	x32Bit         = 0x40000000
)

// An Arch is the system-call ABI a variant's filter admits: its audit arch
// (linux/audit.h), and the lowest number of another ABI that shares the
// audit arch (x32's, on x86-64; -1 is above it too), or 0 for none.
type Arch struct {
	Name       string
	Audit      uint32
	ForeignBit uint32
}

// The ABIs dmvx monitors natively.
var (
	ArchAMD64 = Arch{Name: "amd64", Audit: 0xc000003e, ForeignBit: x32Bit}
	ArchARM64 = Arch{Name: "arm64", Audit: 0xc00000b7}
)

// Filter is the seccomp filter of a CP-MON-only variant on this machine.
func Filter() ([]bpf.RawInstruction, error) { return FilterFor(native) }

// FilterFor is the seccomp filter of a CP-MON-only variant of ABI a: every
// native call traps to the tracer; other ABIs (x32; i386 through int 0x80
// and 32-bit ARM, which report another arch) kill the process, since the
// monitor only decodes a's calls.
func FilterFor(a Arch) ([]bpf.RawInstruction, error) {
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.Audit, SkipTrue: 1},
		bpf.RetConstant{Val: retKillProcess},
	}
	if a.ForeignBit != 0 {
		prog = append(prog,
			bpf.LoadAbsolute{Off: 0, Size: 4}, // seccomp_data.nr
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: a.ForeignBit, SkipTrue: 1},
			bpf.RetConstant{Val: retTrace},
			bpf.RetConstant{Val: retKillProcess})
	} else {
		prog = append(prog, bpf.RetConstant{Val: retTrace})
	}
	return bpf.Assemble(prog)
}

func filterHex(prog []bpf.RawInstruction) string {
	b := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		b = append(b, byte(in.Op), byte(in.Op>>8), in.Jt, in.Jf,
			byte(in.K), byte(in.K>>8), byte(in.K>>16), byte(in.K>>24))
	}
	return hex.EncodeToString(b)
}

// Spec is one variant to start.
type Spec struct {
	Path    string   // resolved executable
	Argv    []string // argv, argv[0] as the user gave it
	Env     []string
	Files   []uintptr // fds 0, 1, 2 of the variant
	TrapTSC bool
	// Filter is the variant's seccomp filter; nil means Filter(): every
	// call to CP-MON.
	Filter []bpf.RawInstruction
}

// Start forks the launcher for spec and returns its pid. The child is
// stopped (SIGTRAP at the launcher's exec) when Start returns successfully;
// the caller sets ptrace options and resumes it.
func Start(spec Spec) (int, error) {
	lp, err := path()
	if err != nil {
		return 0, err
	}
	prog := spec.Filter
	if prog == nil {
		if prog, err = Filter(); err != nil {
			return 0, err
		}
	}
	opts := "-"
	if spec.TrapTSC {
		opts = "t"
	}
	argv := append([]string{"dmvx-launch", opts, filterHex(prog), spec.Path}, spec.Argv...)
	pid, err := syscall.ForkExec(lp, argv, &syscall.ProcAttr{
		Env:   spec.Env,
		Files: spec.Files,
		Sys: &syscall.SysProcAttr{
			Ptrace: true,
			// Belt and braces with PTRACE_O_EXITKILL, which is only set
			// once the first stop has been seen.
			Pdeathsig: syscall.SIGKILL,
		},
	})
	if err != nil {
		return 0, fmt.Errorf("starting launcher: %w", err)
	}
	ws, err := waitPid(pid, unix.WALL)
	if err != nil {
		return 0, fmt.Errorf("waiting for launcher: %w", err)
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGTRAP {
		return 0, fmt.Errorf("launcher did not stop at exec (status %#x)", uint32(ws))
	}
	return pid, nil
}

// ProbeTSC reports whether PR_SET_TSC(PR_TSC_SIGSEGV) really traps rdtsc on
// this machine: some hypervisors accept the prctl and never trap.
func ProbeTSC() (bool, error) {
	lp, err := path()
	if err != nil {
		return false, err
	}
	pid, err := syscall.ForkExec(lp, []string{"dmvx-launch", "--probe-tsc"}, &syscall.ProcAttr{})
	if err != nil {
		return false, err
	}
	ws, err := waitPid(pid, 0)
	if err != nil {
		return false, err
	}
	return ws.Signaled() && ws.Signal() == syscall.SIGSEGV, nil
}

// Doorbell starts a traced child of the calling thread that does nothing
// but sleep. A tracer blocked in wait4 for its variant's stops is woken by a
// signal sent to its doorbell: the doorbell's signal stop ends the wait.
// This keeps wake-ups between tracers inside the kernel, without the Go
// runtime's signal forwarding on the path of every system call.
func Doorbell() (int, error) {
	lp, err := path()
	if err != nil {
		return 0, err
	}
	pid, err := syscall.ForkExec(lp, []string{"dmvx-doorbell", "--doorbell"}, &syscall.ProcAttr{
		Sys: &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return 0, fmt.Errorf("starting doorbell: %w", err)
	}
	ws, err := waitPid(pid, unix.WALL)
	if err != nil || !ws.Stopped() {
		return 0, fmt.Errorf("doorbell did not stop at exec (status %#x): %v", uint32(ws), err)
	}
	if err := unix.PtraceSetOptions(pid, unix.PTRACE_O_EXITKILL); err != nil {
		return 0, err
	}
	if err := unix.PtraceCont(pid, 0); err != nil {
		return 0, err
	}
	return pid, nil
}

// waitPid waits for pid's next status change, retrying on EINTR.
func waitPid(pid, options int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, options, nil)
		if err != syscall.EINTR {
			return ws, err
		}
	}
}
