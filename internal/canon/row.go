// Package canon is the canonical system-call model of dmvx.
//
// In a nutshell: every system call that a variant makes is described by one
// Row (its arguments' kinds, who executes it, what is compared, what is
// replicated, whether it is security-sensitive, and the policy level at which
// an in-process monitor may take it). The monitor reads a variant's registers
// and memory into a Call, made only of canonical values (integers, flags,
// NULL/non-NULL for addresses, and the bytes that input pointers point to), so
// that calls of different variants can be compared without ever comparing
// addresses. The per-ABI tables (packages abi/amd64 and abi/arm64) map raw
// syscall numbers onto rows.
//
// Calls are compared, and their results replicated, in one canonical form:
// the generic Linux ABI's names, argument order, flag encodings and struct
// layouts (generic.go). A row says how its ABI's call differs from that
// form; View, Mismatch, Digest, OutsToGeneric and OutsFromGeneric apply it,
// so that an amd64 variant and an arm64 one can be compared and replicated.
package canon

// Kind says what one syscall argument is, and so how it is compared and what
// memory it names.
type Kind uint8

const (
	// None marks an argument slot that the call does not use.
	None Kind = iota
	// Int is a plain value, compared as is.
	Int
	// Flags is a flag word, compared as is.
	Flags
	// FD is a file descriptor. Descriptor numbers are kept identical in all
	// variants, so it is compared as is; its kind (local or leader-only)
	// steers who executes calls that take it.
	FD
	// PID is a process, thread or process-group id in the leader's numbering
	// (followers see the leader's ids). Compared as is, then mapped to the
	// variant's own id before a follower executes the call.
	PID
	// Addr is a pointer whose target is not read: compared as NULL/non-NULL.
	Addr
	// Ignore is never compared: values that legitimately differ between
	// variants (mmap hints and lengths, brk, stack pointers).
	Ignore
	// Str is a NUL-terminated input string (a path): compared by content.
	Str
	// StrVec is a NULL-terminated array of strings (argv, envp).
	StrVec
	// InBuf is an input buffer of Len-arg bytes: compared by content.
	InBuf
	// OutBuf is an output buffer of at most Len-arg bytes; the result says
	// how many bytes the kernel wrote. Replicated from the leader.
	OutBuf
	// InStruct is an input struct of Size bytes: compared by content.
	InStruct
	// OutStruct is an output struct of Size bytes written on success.
	OutStruct
	// InOutStruct is read (compared) and written (replicated).
	InOutStruct
	// InIovec is an array of Len-arg iovecs whose contents are compared.
	InIovec
	// OutIovec is an array of Len-arg iovecs filled up to the result.
	OutIovec
	// InSockaddr is a socket address of Len-arg bytes: compared by content.
	InSockaddr
	// OutSockaddr is a socket address written by the kernel; Len names the
	// socklen_t* argument that holds its capacity and receives its length.
	OutSockaddr
	// InOutArray is an array of Len-arg elements of Size bytes each, read
	// and compared, then written back (pollfd).
	InOutArray
	// OutArray is an array of at most Len-arg elements of Size bytes each;
	// the result says how many were written.
	OutArray
	// InArray is an array of Len-arg elements of Size bytes, compared.
	InArray
)

var kindNames = [...]string{
	None: "none", Int: "int", Flags: "flags", FD: "fd", PID: "pid", Addr: "addr",
	Ignore: "ignore", Str: "str", StrVec: "strvec", InBuf: "inbuf", OutBuf: "outbuf",
	InStruct: "instruct", OutStruct: "outstruct", InOutStruct: "inoutstruct",
	InIovec: "iniovec", OutIovec: "outiovec", InSockaddr: "insockaddr",
	OutSockaddr: "outsockaddr", InOutArray: "inoutarray", OutArray: "outarray",
	InArray: "inarray",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// IsInput reports whether the monitor reads memory for the argument before
// the call, to compare it.
func (k Kind) IsInput() bool {
	switch k {
	case Str, StrVec, InBuf, InStruct, InOutStruct, InIovec, InSockaddr, InOutArray, InArray:
		return true
	}
	return false
}

// IsOutput reports whether the kernel writes memory through the argument,
// which the leader's result must then carry to the followers.
func (k Kind) IsOutput() bool {
	switch k {
	case OutBuf, OutStruct, InOutStruct, OutIovec, OutSockaddr, InOutArray, OutArray:
		return true
	}
	return false
}

// Arg describes one argument.
type Arg struct {
	Kind Kind
	// Len is the index of the argument that holds this one's length or
	// count (for OutSockaddr: the socklen_t* argument), or -1.
	Len int8
	// Size is the byte size of a struct, or of one array element, in the
	// ABI's own layout (what the variant's memory holds).
	Size int
	// Conv, on a value argument, translates its value between the ABI's
	// encoding and the generic one (O_* bits that an ABI numbers its own
	// way). Nil when the two agree.
	Conv *Conv
	// Layout, on a struct or array argument, translates its bytes (each
	// element's) between the ABI's layout and the generic one (struct
	// stat, struct epoll_event). Nil when the two agree.
	Layout *Layout
}

// Exec says who executes a call.
type Exec uint8

const (
	// ExecLeader: the leader executes; followers skip the call and receive
	// its result and output memory.
	ExecLeader Exec = iota
	// ExecAll: every variant executes the call itself (per-process state:
	// memory, signal handlers, cwd, thread-local registers).
	ExecAll
	// ExecByFD: ExecAll when the descriptor in the row's FDArg is local to
	// every variant (a regular file or directory opened read-only by all),
	// ExecLeader otherwise (sockets, pipes, ttys, devices, files opened for
	// writing).
	ExecByFD
	// ExecOpen: the leader opens first; followers then open the same path
	// themselves when it is a regular file or directory opened read-only,
	// and get a placeholder descriptor with the same number otherwise.
	ExecOpen
	// ExecNone: nobody executes the call; every variant gets Row.Fixed
	// (rseq: its per-CPU data would differ between variants).
	ExecNone
	// ExecSpecial: the engine has a dedicated handler, named by the row.
	ExecSpecial
)

var execNames = [...]string{
	ExecLeader: "leader", ExecAll: "all", ExecByFD: "by-fd", ExecOpen: "open",
	ExecNone: "none", ExecSpecial: "special",
}

func (e Exec) String() string {
	if int(e) < len(execNames) {
		return execNames[e]
	}
	return "exec?"
}

// Ret says what a call's result is.
type Ret uint8

const (
	// RetInt is a count or status: replicated as is.
	RetInt Ret = iota
	// RetFD is a new file descriptor, identical in all variants.
	RetFD
	// RetPID is a process or thread id: followers see the leader's.
	RetPID
	// RetAddr is an address in the variant's own space (mmap, brk): never
	// replicated, never compared.
	RetAddr
)

// Level is the least permissive IP-MON policy level at which the in-process
// monitor may handle the call without CP-MON (used from the IP-MON issue on;
// with CP-MON alone every call is in lockstep).
type Level uint8

const (
	// Never: always in lockstep through CP-MON (security-sensitive).
	Never Level = iota
	Base
	NonsocketRO
	NonsocketRW
	SocketRO
	SocketRW
)

var levelNames = [...]string{
	Never: "never", Base: "base", NonsocketRO: "nonsocket-ro",
	NonsocketRW: "nonsocket-rw", SocketRO: "socket-ro", SocketRW: "socket-rw",
}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "level?"
}

// Sync says whether a call waits for the other variants.
type Sync uint8

const (
	// Lockstep: every variant must make the call (the same canonical call)
	// before any executes it.
	Lockstep Sync = iota
	// Unsynced: each variant executes the call as soon as it makes it, with
	// no rendezvous: per-variant memory management whose number and order
	// legitimately depend on the layout (an allocator needs a new arena
	// sooner when ASLR gave it a badly aligned one).
	Unsynced
	// UnsyncedUnlessExec: Unsynced, except when the PROT_* argument (ProtArg)
	// asks for executable memory: then it is in lockstep.
	UnsyncedUnlessExec
)

// ProtExec is PROT_EXEC.
const ProtExec = 0x4

// Row is one system call (or one sub-command of a multiplexed call such as
// ioctl, fcntl, prctl or futex).
type Row struct {
	// Name is the ABI's own name of the call, as the kernel and strace
	// name it: the generic Linux table's name when the call exists there
	// ("openat", "newfstatat"), else the ABI's own ("open").
	Name string
	// Canon names the generic call an ABI-only call maps onto ("open" ->
	// "openat"); CanonArgs says how its arguments map. Empty when Name is
	// already generic, or when the call has no generic equivalent.
	Canon string
	Args  []Arg
	// CanonArgs lists the generic call's arguments in the generic order,
	// each taken from one of Args or a constant (open(p, f, m) is
	// openat(AT_FDCWD, p, f, m)). Nil when the generic arguments are Args
	// themselves, in order (each still translated by its Conv or Layout).
	CanonArgs []CanonArg
	// RetConv translates a non-negative result between the ABI's encoding
	// and the generic one (fcntl F_GETFL returns O_* bits).
	RetConv *Conv
	// Result, when set, converts the whole result (value and output
	// memory) instead of RetConv and the arguments' layouts: for an
	// ABI-only call whose generic equivalent returns it otherwise (amd64's
	// time returns seconds, clock_gettime fills a timespec).
	Result *ResultMap
	Ret    Ret
	Exec   Exec
	// FDArg is the argument whose descriptor steers ExecByFD (usually 0).
	FDArg int8
	// Sensitive calls are always in lockstep through CP-MON.
	Sensitive bool
	// Why says why a sensitive call is sensitive (docs and reports).
	Why   string
	Level Level
	// Fixed is the result of an ExecNone call (a negative errno).
	Fixed int64
	// Sync and ProtArg: whether the call waits for the other variants.
	Sync    Sync
	ProtArg int8
	// Handler names the engine's handler for ExecSpecial rows.
	Handler string
	// SubArg and Sub make a multiplexed call: the value of argument SubArg
	// selects the row that describes the call (ioctl request, fcntl cmd).
	// A value with no row is an unsupported call.
	SubArg int8
	Sub    map[uint64]*Row
	// SubMask is applied to the selecting value before lookup (futex ops
	// carry FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME bits).
	SubMask uint64
}

// InLockstep reports whether this call (with these raw arguments) waits
// for the other variants.
func (r *Row) InLockstep(raw [6]uint64) bool {
	switch r.Sync {
	case Unsynced:
		return false
	case UnsyncedUnlessExec:
		return raw[r.ProtArg]&ProtExec != 0
	}
	return true
}

// A is shorthand for building an argument list.
func A(args ...Arg) []Arg { return args }

// Simple argument constructors, so that tables read like strace's.
var (
	IntA    = Arg{Kind: Int, Len: -1}
	FlagsA  = Arg{Kind: Flags, Len: -1}
	FDA     = Arg{Kind: FD, Len: -1}
	PIDA    = Arg{Kind: PID, Len: -1}
	AddrA   = Arg{Kind: Addr, Len: -1}
	IgnoreA = Arg{Kind: Ignore, Len: -1}
	StrA    = Arg{Kind: Str, Len: -1}
	StrVecA = Arg{Kind: StrVec, Len: -1}
)

// InBufA is an input buffer whose length is argument n.
func InBufA(n int) Arg { return Arg{Kind: InBuf, Len: int8(n)} }

// OutBufA is an output buffer whose capacity is argument n.
func OutBufA(n int) Arg { return Arg{Kind: OutBuf, Len: int8(n)} }

// InStructA is an input struct of size bytes.
func InStructA(size int) Arg { return Arg{Kind: InStruct, Len: -1, Size: size} }

// OutStructA is an output struct of size bytes.
func OutStructA(size int) Arg { return Arg{Kind: OutStruct, Len: -1, Size: size} }

// InOutStructA is an in/out struct of size bytes.
func InOutStructA(size int) Arg { return Arg{Kind: InOutStruct, Len: -1, Size: size} }

// InIovecA is an input iovec array whose count is argument n.
func InIovecA(n int) Arg { return Arg{Kind: InIovec, Len: int8(n)} }

// OutIovecA is an output iovec array whose count is argument n.
func OutIovecA(n int) Arg { return Arg{Kind: OutIovec, Len: int8(n)} }

// InSockaddrA is an input socket address whose length is argument n.
func InSockaddrA(n int) Arg { return Arg{Kind: InSockaddr, Len: int8(n)} }

// OutSockaddrA is an output socket address with its socklen_t* in argument n.
func OutSockaddrA(n int) Arg { return Arg{Kind: OutSockaddr, Len: int8(n)} }

// InArrayA is an input array of elem-byte elements, count in argument n.
func InArrayA(n, elem int) Arg { return Arg{Kind: InArray, Len: int8(n), Size: elem} }

// OutArrayA is an output array of elem-byte elements, capacity in argument n.
func OutArrayA(n, elem int) Arg { return Arg{Kind: OutArray, Len: int8(n), Size: elem} }

// InOutArrayA is an in/out array of elem-byte elements, count in argument n.
func InOutArrayA(n, elem int) Arg { return Arg{Kind: InOutArray, Len: int8(n), Size: elem} }

// Handlers of ExecSpecial rows, implemented by the engine (package cpmon).
const (
	HClone     = "clone"        // clone, clone3, fork, vfork: pair children, map tids
	HExecve    = "execve"       // execve, execveat: all execute; auxv fixed after
	HWait      = "wait"         // wait4, waitid: leader first, followers reap the same child
	HPipe      = "pipe"         // pipe, pipe2, socketpair: followers make dummies
	HClose     = "close"        // close, close_range: descriptor table upkeep
	HEpollCtl  = "epoll_ctl"    // epoll_event.data is mapped per variant
	HEpollWait = "epoll_wait"   // epoll_wait, epoll_pwait, epoll_pwait2
	HSigaction = "rt_sigaction" // handler addresses compared as DFL/IGN/function
	HSendmsg   = "sendmsg"      // msghdr contents compared
	HRecvmsg   = "recvmsg"      // msghdr contents replicated
	HSelect    = "select"       // select, pselect6: fd_set sizes follow nfds
)
