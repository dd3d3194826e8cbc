package rb

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The header's counters are shared with other processes: access them with
// atomic operations on the buffer's own memory. Offsets are 8-aligned and
// the buffer is 8-aligned (New checks).

func (b *Buffer) u64(off int) *uint64 { return (*uint64)(unsafe.Pointer(&b.mem[off])) }
func (b *Buffer) u32(off int) *uint32 { return (*uint32)(unsafe.Pointer(&b.mem[off])) }

func (b *Buffer) load64(off int) uint64     { return atomic.LoadUint64(b.u64(off)) }
func (b *Buffer) store64(off int, v uint64) { atomic.StoreUint64(b.u64(off), v) }
func (b *Buffer) add32(off int, v uint32)   { atomic.AddUint32(b.u32(off), v) }

func aligned(mem []byte) bool               { return uintptr(unsafe.Pointer(&mem[0]))%Align == 0 }
func (b *Buffer) load32(off int) uint32     { return atomic.LoadUint32(b.u32(off)) }
func (b *Buffer) store32(off int, v uint32) { atomic.StoreUint32(b.u32(off), v) }

// wake wakes every process sleeping on the futex word at off: the buffer is
// shared memory, so the futex is not process-private.
func (b *Buffer) wake(off int) {
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(b.u32(off))), futexWake, 1<<30, 0, 0, 0)
}

// futexWait sleeps on the futex word at off while it holds v, for at most
// timeout.
func (b *Buffer) futexWait(off int, v uint32, timeout time.Duration) {
	ts := unix.NsecToTimespec(int64(timeout))
	_, _, _ = unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(b.u32(off))), futexWaitOp, uintptr(v),
		uintptr(unsafe.Pointer(&ts)), 0, 0)
}

const (
	futexWake   = 1 // FUTEX_WAKE, shared (not FUTEX_PRIVATE_FLAG)
	futexWaitOp = 0 // FUTEX_WAIT, shared
)
