package amd64

import (
	"bytes"
	"testing"

	"dmvx/internal/abi/abitest"
)

// FuzzDecode feeds amd64 calls to the canonical decoder, as a compromised
// variant makes them (abitest.Decode says what must hold).
func FuzzDecode(f *testing.F) {
	f.Add(uint16(257), make([]byte, 48), []byte("/etc/passwd\x00"), int64(3))
	f.Add(uint16(1), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64}, bytes.Repeat([]byte{'x'}, 64), int64(64))
	f.Add(uint16(20), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, make([]byte, 64), int64(8))         // writev
	f.Add(uint16(59), make([]byte, 48), []byte("/bin/sh\x00\x00\x00\x00\x00\x00\x00\x00\x00"), int64(0))             // execve
	f.Add(uint16(44), []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}, make([]byte, 32), int64(16))       // sendto
	f.Add(uint16(16), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54, 0, 0}, make([]byte, 64), int64(0))                  // ioctl
	f.Add(uint16(4), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0x41}, append([]byte("/x\x00"), make([]byte, 160)...), int64(0)) // stat
	f.Add(uint16(232), []byte{6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4}, make([]byte, 48), int64(2))        // epoll_wait
	f.Fuzz(func(t *testing.T, nr uint16, regs, memory []byte, ret int64) {
		abitest.Decode(t, Lookup, nr, regs, memory, ret)
	})
}
