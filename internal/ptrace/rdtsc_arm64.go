package ptrace

// Rdtsc reads the monitor's own virtual counter (CNTVCT_EL0), arm64's
// counterpart of the time-stamp counter.
func Rdtsc() uint64
