// Package ptrace is dmvx's access to a stopped variant: its registers, its
// memory (process_vm_readv/writev, with /proc/PID/mem as the fallback for
// read-only pages), its stop signal's siginfo, and the register
// conventions of system calls on amd64 and arm64 (regs_*.go).
//
// Every ptrace request must come from the OS thread that attached the
// tracee. Precondition for all functions taking a tid: the caller's OS thread
// is locked and is the tracee's tracer.
package ptrace
