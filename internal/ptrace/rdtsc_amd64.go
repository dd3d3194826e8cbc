package ptrace

// Rdtsc reads the monitor's own time-stamp counter: the value the leader's
// trapped rdtsc gets, replicated to every variant.
func Rdtsc() uint64
