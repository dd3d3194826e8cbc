package ptrace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Mem is the memory of one tracee; it implements canon.Mem.
type Mem struct{ Pid int }

const pageSize = 4096

// Read fills buf from addr in the tracee.
func (m Mem) Read(addr uint64, buf []byte) error {
	for len(buf) > 0 {
		n, err := unix.ProcessVMReadv(m.Pid,
			[]unix.Iovec{{Base: &buf[0], Len: uint64(len(buf))}},
			[]unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %d bytes at %#x of %d: %w", len(buf), addr, m.Pid, err)
		}
		if n == 0 {
			return fmt.Errorf("read at %#x of %d: %w", addr, m.Pid, syscall.EFAULT)
		}
		buf = buf[n:]
		addr += uint64(n)
	}
	return nil
}

// ReadString reads a NUL-terminated string of at most max bytes. It reads
// page by page so that a string ending just before an unmapped page is
// still read whole.
func (m Mem) ReadString(addr uint64, max int) (string, error) {
	var out []byte
	for len(out) <= max {
		chunk := pageSize - int(addr%pageSize)
		buf := make([]byte, chunk)
		if err := m.Read(addr, buf); err != nil {
			return "", err
		}
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			out = append(out, buf[:i]...)
			if len(out) > max {
				break
			}
			return string(out), nil
		}
		out = append(out, buf...)
		addr += uint64(chunk)
	}
	return "", fmt.Errorf("string at %#x of %d longer than %d bytes", addr, m.Pid, max)
}

// Write copies data into the tracee. process_vm_writev cannot write pages
// that the tracee mapped read-only; /proc/PID/mem can (as a debugger does).
func (m Mem) Write(addr uint64, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	n, err := unix.ProcessVMWritev(m.Pid,
		[]unix.Iovec{{Base: &data[0], Len: uint64(len(data))}},
		[]unix.RemoteIovec{{Base: uintptr(addr), Len: len(data)}}, 0)
	if err == nil && n == len(data) {
		return nil
	}
	f, ferr := os.OpenFile(fmt.Sprintf("/proc/%d/mem", m.Pid), os.O_WRONLY, 0)
	if ferr != nil {
		return errors.Join(err, ferr)
	}
	defer f.Close()
	if _, werr := f.WriteAt(data, int64(addr)); werr != nil {
		return fmt.Errorf("write %d bytes at %#x of %d: %w", len(data), addr, m.Pid, werr)
	}
	return nil
}
