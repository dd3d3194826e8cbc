package amd64

import "dmvx/internal/canon"

// Table holds one row per supported amd64 call, keyed by its amd64 number.
// Multiplexed calls (ioctl, fcntl, prctl, futex) have a parent row whose Sub
// holds the sub-commands; use Lookup to resolve them. A sub-row carries its
// call's Name ("ioctl"); SubName gives the sub-command's ("TCGETS"). Calls
// missing here are listed in noRow with the reason.
//
// Conventions the engine relies on:
//   - ExecByFD rows whose FDArg is a dirfd (newfstatat, statx, faccessat,
//     faccessat2, readlinkat) may carry AT_FDCWD (-100) there: that is the
//     variant's own working directory, so local. glibc implements fstat as
//     newfstatat(fd, "", AT_EMPTY_PATH), which is why these calls are not
//     ExecAll: on a leader-only descriptor (pipe, socket, tty) a follower
//     would stat its placeholder.
//   - Level is the row's level for its usual descriptor kind; an ExecByFD
//     call on a socket (read, write, fstat...) needs the socket level.
//   - Arguments a call does not read are absent (trailing) or kind None.
//   - An amd64-only call names the generic call it is (Canon) and how its
//     arguments map (CanonArgs); a struct amd64 lays out its own way has a
//     Layout (generic.go). Comparison and replication use that form.
var Table = map[uint64]*canon.Row{
	SYS_READ:     {Name: "read", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_WRITE:    {Name: "write", Args: canon.A(canon.FDA, canon.InBufA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_OPEN:     {Name: "open", Canon: "openat", Args: canon.A(canon.StrA, canon.FlagsA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1), same(2)), Exec: canon.ExecOpen, Ret: canon.RetFD, Sensitive: true, Why: whyOpen},
	SYS_CLOSE:    {Name: "close", Args: canon.A(canon.FDA), Exec: canon.ExecSpecial, Handler: canon.HClose, Level: canon.NonsocketRO},
	SYS_STAT:     {Name: "stat", Canon: "newfstatat", Args: canon.A(canon.StrA, statOutA), CanonArgs: generic(fdcwd, same(0), same(1), flags0), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_FSTAT:    {Name: "fstat", Args: canon.A(canon.FDA, statOutA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_LSTAT:    {Name: "lstat", Canon: "newfstatat", Args: canon.A(canon.StrA, statOutA), CanonArgs: generic(fdcwd, same(0), same(1), flagsC(atSymlinkNofollow)), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_POLL:     {Name: "poll", Canon: "ppoll", Args: canon.A(canon.InOutArrayA(1, SizeofPollFd), canon.IntA, canon.IntA), CanonArgs: generic(same(0), same(1), pollTimeout, canon.ConstNull(canon.InStruct, SizeofSigset), canon.Const(canon.Ignore, 0)), Exec: canon.ExecLeader, Level: canon.SocketRO},
	SYS_LSEEK:    {Name: "lseek", Args: canon.A(canon.FDA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_MMAP:     {Name: "mmap", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA, canon.FlagsA, canon.FDA, canon.IgnoreA), Exec: canon.ExecAll, Ret: canon.RetAddr, Sensitive: true, Why: whyMemExec, Sync: canon.UnsyncedUnlessExec, ProtArg: 2},
	SYS_MPROTECT: {Name: "mprotect", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Sensitive: true, Why: whyMemExec, Sync: canon.UnsyncedUnlessExec, ProtArg: 2},
	SYS_MUNMAP:   {Name: "munmap", Args: canon.A(canon.IgnoreA, canon.IgnoreA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_BRK:      {Name: "brk", Args: canon.A(canon.IgnoreA), Exec: canon.ExecAll, Ret: canon.RetAddr, Level: canon.Base, Sync: canon.Unsynced},
	// The handler compares sa_handler as SIG_DFL / SIG_IGN / a function.
	SYS_RT_SIGACTION: {Name: "rt_sigaction", Args: canon.A(canon.IntA, canon.InStructA(SizeofSigaction), canon.OutStructA(SizeofSigaction), canon.IntA), Exec: canon.ExecSpecial, Handler: canon.HSigaction, Level: canon.Base},
	// The old mask is per-variant state that every variant reads itself.
	SYS_RT_SIGPROCMASK: {Name: "rt_sigprocmask", Args: canon.A(canon.IntA, canon.InStructA(SizeofSigset), canon.AddrA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_RT_SIGRETURN:   {Name: "rt_sigreturn", Exec: canon.ExecAll, Level: canon.Base},
	SYS_IOCTL: {Name: "ioctl", Args: canon.A(canon.FDA, canon.IntA, canon.IgnoreA), Exec: canon.ExecByFD, Level: canon.NonsocketRO,
		SubArg: 1, SubMask: 0xffffffff, Sub: subTable(ioctlSubs)}, // the kernel's cmd is an unsigned int
	SYS_PREAD64:  {Name: "pread64", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_PWRITE64: {Name: "pwrite64", Args: canon.A(canon.FDA, canon.InBufA(2), canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_READV:    {Name: "readv", Args: canon.A(canon.FDA, canon.OutIovecA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_WRITEV:   {Name: "writev", Args: canon.A(canon.FDA, canon.InIovecA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_ACCESS:   {Name: "access", Canon: "faccessat", Args: canon.A(canon.StrA, canon.FlagsA), CanonArgs: generic(fdcwd, same(0), same(1)), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_PIPE:     {Name: "pipe", Canon: "pipe2", Args: canon.A(canon.OutStructA(SizeofPipeFds)), CanonArgs: generic(same(0), flags0), Exec: canon.ExecSpecial, Handler: canon.HPipe, Level: canon.NonsocketRW},
	// The fd_sets are sized by nfds: the handler reads and writes them.
	SYS_SELECT:      {Name: "select", Canon: "pselect6", Args: canon.A(canon.IntA, canon.AddrA, canon.AddrA, canon.AddrA, withLayout(canon.InOutStructA(SizeofTimeval), timevalToTimespec)), CanonArgs: generic(same(0), same(1), same(2), same(3), same(4), canon.ConstNull(canon.Addr, 0)), Exec: canon.ExecSpecial, Handler: canon.HSelect, Level: canon.SocketRO},
	SYS_SCHED_YIELD: {Name: "sched_yield", Exec: canon.ExecAll, Level: canon.Base},
	SYS_MREMAP:      {Name: "mremap", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.IgnoreA, canon.FlagsA, canon.IgnoreA), Exec: canon.ExecAll, Ret: canon.RetAddr, Sensitive: true, Why: whyMemExec, Sync: canon.Unsynced},
	SYS_MSYNC:       {Name: "msync", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.NonsocketRW},
	// The residency vector's length follows the mapping's length (Ignore):
	// every variant fills its own.
	SYS_MINCORE: {Name: "mincore", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.AddrA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MADVISE: {Name: "madvise", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_DUP:     {Name: "dup", Args: canon.A(canon.FDA), Exec: canon.ExecAll, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_DUP2:    {Name: "dup2", Canon: "dup3", Args: canon.A(canon.FDA, canon.FDA), CanonArgs: generic(same(0), same(1), flags0), Exec: canon.ExecAll, Ret: canon.RetFD, Level: canon.NonsocketRO},
	// pause, nanosleep: the leader waits; followers get its result.
	SYS_PAUSE:     {Name: "pause", Canon: "ppoll", CanonArgs: generic(canon.ConstNull(canon.InOutArray, SizeofPollFd), canon.Const(canon.Int, 0), canon.ConstNull(canon.InOutStruct, SizeofTimespec), canon.ConstNull(canon.InStruct, SizeofSigset), canon.Const(canon.Ignore, 0)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_NANOSLEEP: {Name: "nanosleep", Args: canon.A(canon.InStructA(SizeofTimespec), canon.OutStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.Base},
	// Only the leader arms timers; the monitor replicates the signals.
	SYS_GETITIMER: {Name: "getitimer", Args: canon.A(canon.IntA, canon.OutStructA(SizeofItimerval)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_ALARM: {Name: "alarm", Canon: "setitimer", CanonArgs: alarmArgs, Result: alarmResult,
		Args: canon.A(canon.IntA), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_SETITIMER: {Name: "setitimer", Args: canon.A(canon.IntA, canon.InStructA(SizeofItimerval), canon.OutStructA(SizeofItimerval)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_GETPID:    {Name: "getpid", Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	SYS_SENDFILE:  {Name: "sendfile", Args: canon.A(canon.FDA, canon.FDA, canon.InOutStructA(SizeofLong), canon.IntA), Exec: canon.ExecByFD, Level: canon.SocketRW},
	SYS_SOCKET:    {Name: "socket", Args: canon.A(canon.IntA, canon.FlagsA, canon.IntA), Exec: canon.ExecLeader, Ret: canon.RetFD, Sensitive: true, Why: whySocket},
	SYS_CONNECT:   {Name: "connect", Args: canon.A(canon.FDA, canon.InSockaddrA(2), canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySocket},
	SYS_ACCEPT:    {Name: "accept", Args: canon.A(canon.FDA, canon.OutSockaddrA(2), canon.AddrA), Exec: canon.ExecLeader, Ret: canon.RetFD, Sensitive: true, Why: whySocket},
	SYS_SENDTO:    {Name: "sendto", Args: canon.A(canon.FDA, canon.InBufA(2), canon.IntA, canon.FlagsA, canon.InSockaddrA(5), canon.IntA), Exec: canon.ExecLeader, Level: canon.SocketRW},
	SYS_RECVFROM:  {Name: "recvfrom", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA, canon.FlagsA, canon.OutSockaddrA(5), canon.AddrA), Exec: canon.ExecLeader, Level: canon.SocketRO},
	// msghdr holds only pointers: the handlers compare and replicate what
	// they point to.
	SYS_SENDMSG:     {Name: "sendmsg", Args: canon.A(canon.FDA, canon.AddrA, canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HSendmsg, Level: canon.SocketRW},
	SYS_RECVMSG:     {Name: "recvmsg", Args: canon.A(canon.FDA, canon.AddrA, canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HRecvmsg, Level: canon.SocketRO},
	SYS_SHUTDOWN:    {Name: "shutdown", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecLeader, Level: canon.SocketRW},
	SYS_BIND:        {Name: "bind", Args: canon.A(canon.FDA, canon.InSockaddrA(2), canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySocket},
	SYS_LISTEN:      {Name: "listen", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySocket},
	SYS_GETSOCKNAME: {Name: "getsockname", Args: canon.A(canon.FDA, canon.OutSockaddrA(2), canon.AddrA), Exec: canon.ExecLeader, Level: canon.SocketRO},
	SYS_GETPEERNAME: {Name: "getpeername", Args: canon.A(canon.FDA, canon.OutSockaddrA(2), canon.AddrA), Exec: canon.ExecLeader, Level: canon.SocketRO},
	SYS_SOCKETPAIR:  {Name: "socketpair", Args: canon.A(canon.IntA, canon.FlagsA, canon.IntA, canon.OutStructA(SizeofPipeFds)), Exec: canon.ExecSpecial, Handler: canon.HPipe, Level: canon.SocketRW},
	SYS_SETSOCKOPT:  {Name: "setsockopt", Args: canon.A(canon.FDA, canon.IntA, canon.IntA, canon.InBufA(4), canon.IntA), Exec: canon.ExecLeader, Level: canon.SocketRW},
	// The option value's length is a socklen_t* in and out: exactly the
	// value-result length of OutSockaddr, so the value is described as one.
	SYS_GETSOCKOPT: {Name: "getsockopt", Args: canon.A(canon.FDA, canon.IntA, canon.IntA, canon.OutSockaddrA(4), canon.AddrA), Exec: canon.ExecLeader, Level: canon.SocketRO},
	// amd64 clone: flags, stack, parent_tid, child_tid, tls.
	SYS_CLONE:  {Name: "clone", Args: canon.A(canon.FlagsA, canon.IgnoreA, canon.AddrA, canon.AddrA, canon.IgnoreA), Exec: canon.ExecSpecial, Handler: canon.HClone, Ret: canon.RetPID, Sensitive: true, Why: whyClone},
	SYS_FORK:   {Name: "fork", Canon: "clone", CanonArgs: generic(flagsC(sigchld), canon.Const(canon.Ignore, 0), canon.ConstNull(canon.Addr, 0), canon.ConstNull(canon.Addr, 0), canon.Const(canon.Ignore, 0)), Exec: canon.ExecSpecial, Handler: canon.HClone, Ret: canon.RetPID, Sensitive: true, Why: whyClone},
	SYS_VFORK:  {Name: "vfork", Canon: "clone", CanonArgs: generic(flagsC(cloneVM|cloneVfork|sigchld), canon.Const(canon.Ignore, 0), canon.ConstNull(canon.Addr, 0), canon.ConstNull(canon.Addr, 0), canon.Const(canon.Ignore, 0)), Exec: canon.ExecSpecial, Handler: canon.HClone, Ret: canon.RetPID, Sensitive: true, Why: whyClone},
	SYS_EXECVE: {Name: "execve", Args: canon.A(canon.StrA, canon.StrVecA, canon.StrVecA), Exec: canon.ExecSpecial, Handler: canon.HExecve, Sensitive: true, Why: whyExec},
	SYS_EXIT:   {Name: "exit", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_WAIT4:  {Name: "wait4", Args: canon.A(canon.PIDA, canon.OutStructA(SizeofInt), canon.FlagsA, canon.OutStructA(SizeofRusage)), Exec: canon.ExecSpecial, Handler: canon.HWait, Ret: canon.RetPID, Level: canon.Base},
	SYS_KILL:   {Name: "kill", Args: canon.A(canon.PIDA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	SYS_UNAME:  {Name: "uname", Args: canon.A(canon.OutStructA(SizeofUtsname)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_FCNTL: {Name: "fcntl", Args: canon.A(canon.FDA, canon.IntA, canon.IgnoreA), Exec: canon.ExecByFD, Level: canon.NonsocketRO,
		SubArg: 1, SubMask: 0xffffffff, Sub: subTable(fcntlSubs)}, // the kernel's cmd is an unsigned int
	// Locks belong to the leader's open file; followers get its result.
	SYS_FLOCK:     {Name: "flock", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_FSYNC:     {Name: "fsync", Args: canon.A(canon.FDA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_FDATASYNC: {Name: "fdatasync", Args: canon.A(canon.FDA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_TRUNCATE:  {Name: "truncate", Args: canon.A(canon.StrA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FTRUNCATE: {Name: "ftruncate", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	// linux_dirent records differ from linux_dirent64 ones: no alias.
	SYS_GETDENTS: {Name: "getdents", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	// Every variant computes its own working directory; OutBuf keeps the
	// description honest (ExecAll outputs are not replicated).
	SYS_GETCWD:       {Name: "getcwd", Args: canon.A(canon.OutBufA(1), canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_CHDIR:        {Name: "chdir", Args: canon.A(canon.StrA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_FCHDIR:       {Name: "fchdir", Args: canon.A(canon.FDA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_RENAME:       {Name: "rename", Canon: "renameat", Args: canon.A(canon.StrA, canon.StrA), CanonArgs: generic(fdcwd, same(0), fdcwd, same(1)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_MKDIR:        {Name: "mkdir", Canon: "mkdirat", Args: canon.A(canon.StrA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_RMDIR:        {Name: "rmdir", Canon: "unlinkat", Args: canon.A(canon.StrA), CanonArgs: generic(fdcwd, same(0), flagsC(atRemovedir)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_CREAT:        {Name: "creat", Canon: "openat", Args: canon.A(canon.StrA, canon.IntA), CanonArgs: generic(fdcwd, same(0), flagsC(oWronly|oCreat|oTrunc), same(1)), Exec: canon.ExecOpen, Ret: canon.RetFD, Sensitive: true, Why: whyOpen},
	SYS_LINK:         {Name: "link", Canon: "linkat", Args: canon.A(canon.StrA, canon.StrA), CanonArgs: generic(fdcwd, same(0), fdcwd, same(1), flags0), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_UNLINK:       {Name: "unlink", Canon: "unlinkat", Args: canon.A(canon.StrA), CanonArgs: generic(fdcwd, same(0), flags0), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_SYMLINK:      {Name: "symlink", Canon: "symlinkat", Args: canon.A(canon.StrA, canon.StrA), CanonArgs: generic(same(0), fdcwd, same(1)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_READLINK:     {Name: "readlink", Canon: "readlinkat", Args: canon.A(canon.StrA, canon.OutBufA(2), canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1), same(2)), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_CHMOD:        {Name: "chmod", Canon: "fchmodat", Args: canon.A(canon.StrA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FCHMOD:       {Name: "fchmod", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_CHOWN:        {Name: "chown", Canon: "fchownat", Args: canon.A(canon.StrA, canon.IntA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1), same(2), flags0), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FCHOWN:       {Name: "fchown", Args: canon.A(canon.FDA, canon.IntA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_LCHOWN:       {Name: "lchown", Canon: "fchownat", Args: canon.A(canon.StrA, canon.IntA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1), same(2), flagsC(atSymlinkNofollow)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_UMASK:        {Name: "umask", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GETTIMEOFDAY: {Name: "gettimeofday", Args: canon.A(canon.OutStructA(SizeofTimeval), canon.OutStructA(SizeofTimezone)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_GETRLIMIT:    {Name: "getrlimit", Args: canon.A(canon.IntA, canon.OutStructA(SizeofRlimit)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GETRUSAGE:    {Name: "getrusage", Args: canon.A(canon.IntA, canon.OutStructA(SizeofRusage)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_SYSINFO:      {Name: "sysinfo", Args: canon.A(canon.OutStructA(SizeofSysinfo)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_TIMES:        {Name: "times", Args: canon.A(canon.OutStructA(SizeofTms)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_GETUID:       {Name: "getuid", Exec: canon.ExecAll, Level: canon.Base},
	SYS_SYSLOG:       {Name: "syslog", Args: canon.A(canon.IntA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: "reads or clears the kernel log, sets the console level"},
	SYS_GETGID:       {Name: "getgid", Exec: canon.ExecAll, Level: canon.Base},
	SYS_SETUID:       {Name: "setuid", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_SETGID:       {Name: "setgid", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_GETEUID:      {Name: "geteuid", Exec: canon.ExecAll, Level: canon.Base},
	SYS_GETEGID:      {Name: "getegid", Exec: canon.ExecAll, Level: canon.Base},
	SYS_SETPGID:      {Name: "setpgid", Args: canon.A(canon.PIDA, canon.PIDA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GETPPID:      {Name: "getppid", Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	SYS_GETPGRP:      {Name: "getpgrp", Canon: "getpgid", CanonArgs: generic(canon.Const(canon.PID, 0)), Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	SYS_SETSID:       {Name: "setsid", Exec: canon.ExecAll, Ret: canon.RetPID, Level: canon.Base},
	SYS_SETREUID:     {Name: "setreuid", Args: canon.A(canon.IntA, canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_SETREGID:     {Name: "setregid", Args: canon.A(canon.IntA, canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_GETGROUPS:    {Name: "getgroups", Args: canon.A(canon.IntA, canon.OutArrayA(0, SizeofInt)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SETGROUPS:    {Name: "setgroups", Args: canon.A(canon.IntA, canon.InArrayA(0, SizeofInt)), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_SETRESUID:    {Name: "setresuid", Args: canon.A(canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_GETRESUID:    {Name: "getresuid", Args: canon.A(canon.OutStructA(SizeofInt), canon.OutStructA(SizeofInt), canon.OutStructA(SizeofInt)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SETRESGID:    {Name: "setresgid", Args: canon.A(canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_GETRESGID:    {Name: "getresgid", Args: canon.A(canon.OutStructA(SizeofInt), canon.OutStructA(SizeofInt), canon.OutStructA(SizeofInt)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GETPGID:      {Name: "getpgid", Args: canon.A(canon.PIDA), Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	SYS_SETFSUID:     {Name: "setfsuid", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_SETFSGID:     {Name: "setfsgid", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	SYS_GETSID:       {Name: "getsid", Args: canon.A(canon.PIDA), Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	// The header's version is written back when the caller's is wrong; the
	// data is one (v1) or two (v2, v3) 12-byte structs: 24 bytes covers both.
	SYS_CAPGET: {Name: "capget", Args: canon.A(canon.InOutStructA(SizeofCapHeader), canon.OutStructA(SizeofCapData3)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_CAPSET: {Name: "capset", Args: canon.A(canon.InStructA(SizeofCapHeader), canon.InStructA(SizeofCapData3)), Exec: canon.ExecAll, Sensitive: true, Why: whyCred},
	// siginfo: glibc's sigqueue fills si_pid with getpid(), which followers
	// see as the leader's.
	SYS_RT_SIGQUEUEINFO: {Name: "rt_sigqueueinfo", Args: canon.A(canon.PIDA, canon.IntA, canon.InStructA(SizeofSiginfo)), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	// Blocks until a signal: the leader waits, and the monitor replicates
	// the signal that ends the wait.
	SYS_RT_SIGSUSPEND: {Name: "rt_sigsuspend", Args: canon.A(canon.InStructA(SizeofSigset), canon.IntA), Exec: canon.ExecLeader, Level: canon.Base},
	// stack_t holds a pointer: compared as NULL / non-NULL only.
	SYS_SIGALTSTACK: {Name: "sigaltstack", Args: canon.A(canon.AddrA, canon.AddrA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_UTIME:       {Name: "utime", Canon: "utimensat", Args: canon.A(canon.StrA, withLayout(canon.InStructA(SizeofUtimbuf), utimbufToTimespec2)), CanonArgs: generic(fdcwd, same(0), same(1), flags0), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_MKNOD:       {Name: "mknod", Canon: "mknodat", Args: canon.A(canon.StrA, canon.IntA, canon.IntA), CanonArgs: generic(fdcwd, same(0), same(1), same(2)), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_PERSONALITY: {Name: "personality", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: "changes the execution domain (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE)"},
	SYS_STATFS:      {Name: "statfs", Args: canon.A(canon.StrA, canon.OutStructA(SizeofStatfs)), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_FSTATFS:     {Name: "fstatfs", Args: canon.A(canon.FDA, canon.OutStructA(SizeofStatfs)), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	// who is a pid or pgid for PRIO_PROCESS / PRIO_PGRP (mapped per variant)
	// but a uid for PRIO_USER, which the engine must not map.
	SYS_GETPRIORITY:            {Name: "getpriority", Args: canon.A(canon.IntA, canon.PIDA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SETPRIORITY:            {Name: "setpriority", Args: canon.A(canon.IntA, canon.PIDA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_SETPARAM:         {Name: "sched_setparam", Args: canon.A(canon.PIDA, canon.InStructA(SizeofSchedParam)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_GETPARAM:         {Name: "sched_getparam", Args: canon.A(canon.PIDA, canon.OutStructA(SizeofSchedParam)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_SETSCHEDULER:     {Name: "sched_setscheduler", Args: canon.A(canon.PIDA, canon.IntA, canon.InStructA(SizeofSchedParam)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_GETSCHEDULER:     {Name: "sched_getscheduler", Args: canon.A(canon.PIDA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_GET_PRIORITY_MAX: {Name: "sched_get_priority_max", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_GET_PRIORITY_MIN: {Name: "sched_get_priority_min", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_RR_GET_INTERVAL:  {Name: "sched_rr_get_interval", Args: canon.A(canon.PIDA, canon.OutStructA(SizeofTimespec)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MLOCK:                  {Name: "mlock", Args: canon.A(canon.IgnoreA, canon.IgnoreA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MUNLOCK:                {Name: "munlock", Args: canon.A(canon.IgnoreA, canon.IgnoreA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MLOCKALL:               {Name: "mlockall", Args: canon.A(canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MUNLOCKALL:             {Name: "munlockall", Exec: canon.ExecAll, Level: canon.Base},
	SYS_PRCTL: {Name: "prctl", Args: canon.A(canon.IntA, canon.IgnoreA, canon.IgnoreA, canon.IgnoreA, canon.IgnoreA), Exec: canon.ExecAll, Sensitive: true, Why: whyPrctl,
		SubArg: 0, SubMask: 0xffffffff, Sub: subTable(prctlSubs)}, // the kernel's option is an int
	SYS_ARCH_PRCTL:   {Name: "arch_prctl", Args: canon.A(canon.IntA, canon.IgnoreA), Exec: canon.ExecAll, Sensitive: true, Why: "sets the FS/GS bases and CPUID, shadow-stack and AMX controls"},
	SYS_ADJTIMEX:     {Name: "adjtimex", Args: canon.A(canon.InOutStructA(SizeofTimex)), Exec: canon.ExecLeader, Sensitive: true, Why: whyClock},
	SYS_SETRLIMIT:    {Name: "setrlimit", Args: canon.A(canon.IntA, canon.InStructA(SizeofRlimit)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_CHROOT:       {Name: "chroot", Args: canon.A(canon.StrA), Exec: canon.ExecAll, Sensitive: true, Why: "changes the root directory"},
	SYS_SYNC:         {Name: "sync", Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_ACCT:         {Name: "acct", Args: canon.A(canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: "switches process accounting (host-wide)"},
	SYS_SETTIMEOFDAY: {Name: "settimeofday", Args: canon.A(canon.InStructA(SizeofTimeval), canon.InStructA(SizeofTimezone)), Exec: canon.ExecLeader, Sensitive: true, Why: whyClock},
	SYS_SWAPON:       {Name: "swapon", Args: canon.A(canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	SYS_SWAPOFF:      {Name: "swapoff", Args: canon.A(canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	// The last argument is only read for LINUX_REBOOT_CMD_RESTART2.
	SYS_REBOOT:        {Name: "reboot", Args: canon.A(canon.IntA, canon.IntA, canon.IntA, canon.AddrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	SYS_SETHOSTNAME:   {Name: "sethostname", Args: canon.A(canon.InBufA(1), canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	SYS_SETDOMAINNAME: {Name: "setdomainname", Args: canon.A(canon.InBufA(1), canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	SYS_INIT_MODULE:   {Name: "init_module", Args: canon.A(canon.InBufA(1), canon.IntA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyModule},
	SYS_DELETE_MODULE: {Name: "delete_module", Args: canon.A(canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyModule},
	// Calls that Linux no longer implements (or never did on x86-64) always
	// fail with ENOSYS: nobody needs to run them.
	SYS_CREATE_MODULE:   enosys("create_module"),
	SYS_GET_KERNEL_SYMS: enosys("get_kernel_syms"),
	SYS_QUERY_MODULE:    enosys("query_module"),
	SYS_NFSSERVCTL:      enosys("nfsservctl"),
	SYS_GETPMSG:         enosys("getpmsg"),
	SYS_PUTPMSG:         enosys("putpmsg"),
	SYS_AFS_SYSCALL:     enosys("afs_syscall"),
	SYS_TUXCALL:         enosys("tuxcall"),
	SYS_SECURITY:        enosys("security"),
	SYS__SYSCTL:         enosys("_sysctl"),        // removed in Linux 5.5
	SYS_LOOKUP_DCOOKIE:  enosys("lookup_dcookie"), // removed in Linux 6.8
	SYS_EPOLL_CTL_OLD:   enosys("epoll_ctl_old"),
	SYS_EPOLL_WAIT_OLD:  enosys("epoll_wait_old"),
	SYS_VSERVER:         enosys("vserver"),
	SYS_GETTID:          {Name: "gettid", Exec: canon.ExecLeader, Ret: canon.RetPID, Level: canon.Base},
	SYS_READAHEAD:       {Name: "readahead", Args: canon.A(canon.FDA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_SETXATTR:        {Name: "setxattr", Args: canon.A(canon.StrA, canon.StrA, canon.InBufA(3), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_LSETXATTR:       {Name: "lsetxattr", Args: canon.A(canon.StrA, canon.StrA, canon.InBufA(3), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_FSETXATTR:       {Name: "fsetxattr", Args: canon.A(canon.FDA, canon.StrA, canon.InBufA(3), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_GETXATTR:        {Name: "getxattr", Args: canon.A(canon.StrA, canon.StrA, canon.OutBufA(3), canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_LGETXATTR:       {Name: "lgetxattr", Args: canon.A(canon.StrA, canon.StrA, canon.OutBufA(3), canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_FGETXATTR:       {Name: "fgetxattr", Args: canon.A(canon.FDA, canon.StrA, canon.OutBufA(3), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_LISTXATTR:       {Name: "listxattr", Args: canon.A(canon.StrA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_LLISTXATTR:      {Name: "llistxattr", Args: canon.A(canon.StrA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO},
	SYS_FLISTXATTR:      {Name: "flistxattr", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_REMOVEXATTR:     {Name: "removexattr", Args: canon.A(canon.StrA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_LREMOVEXATTR:    {Name: "lremovexattr", Args: canon.A(canon.StrA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_FREMOVEXATTR:    {Name: "fremovexattr", Args: canon.A(canon.FDA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyXattr},
	SYS_TKILL:           {Name: "tkill", Args: canon.A(canon.PIDA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	SYS_TIME: {Name: "time", Canon: "clock_gettime", CanonArgs: timeArgs, Result: timeResult,
		Args: canon.A(canon.OutStructA(SizeofTimeT)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_FUTEX: {Name: "futex", Args: canon.A(canon.AddrA, canon.FlagsA, canon.IgnoreA, canon.IgnoreA, canon.IgnoreA, canon.IgnoreA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced,
		SubArg: 1, SubMask: futexOpMask, Sub: subTable(futexSubs)},
	SYS_SCHED_SETAFFINITY: {Name: "sched_setaffinity", Args: canon.A(canon.PIDA, canon.IntA, canon.InBufA(1)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SCHED_GETAFFINITY: {Name: "sched_getaffinity", Args: canon.A(canon.PIDA, canon.IntA, canon.OutBufA(1)), Exec: canon.ExecAll, Level: canon.Base},
	// size is only checked to be positive (ignored since Linux 2.6.8); an
	// arm64 glibc checks it itself and calls epoll_create1(0).
	SYS_EPOLL_CREATE:     {Name: "epoll_create", Canon: "epoll_create1", Args: canon.A(canon.IgnoreA), CanonArgs: generic(flags0), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.SocketRW},
	SYS_GETDENTS64:       {Name: "getdents64", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_SET_TID_ADDRESS:  {Name: "set_tid_address", Args: canon.A(canon.AddrA), Exec: canon.ExecAll, Ret: canon.RetPID, Level: canon.Base},
	SYS_FADVISE64:        {Name: "fadvise64", Args: canon.A(canon.FDA, canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_TIMER_SETTIME:    {Name: "timer_settime", Args: canon.A(canon.IntA, canon.FlagsA, canon.InStructA(SizeofItimerspec), canon.OutStructA(SizeofItimerspec)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_TIMER_GETTIME:    {Name: "timer_gettime", Args: canon.A(canon.IntA, canon.OutStructA(SizeofItimerspec)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_TIMER_GETOVERRUN: {Name: "timer_getoverrun", Args: canon.A(canon.IntA), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_TIMER_DELETE:     {Name: "timer_delete", Args: canon.A(canon.IntA), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_CLOCK_SETTIME:    {Name: "clock_settime", Args: canon.A(canon.IntA, canon.InStructA(SizeofTimespec)), Exec: canon.ExecLeader, Sensitive: true, Why: whyClock},
	SYS_CLOCK_GETTIME:    {Name: "clock_gettime", Args: canon.A(canon.IntA, canon.OutStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_CLOCK_GETRES:     {Name: "clock_getres", Args: canon.A(canon.IntA, canon.OutStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.Base},
	// An absolute (TIMER_ABSTIME) deadline is compared by content: it must
	// come from replicated clock readings.
	SYS_CLOCK_NANOSLEEP: {Name: "clock_nanosleep", Args: canon.A(canon.IntA, canon.FlagsA, canon.InStructA(SizeofTimespec), canon.OutStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_EXIT_GROUP:      {Name: "exit_group", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_EPOLL_WAIT:      {Name: "epoll_wait", Canon: "epoll_pwait", Args: canon.A(canon.FDA, epollEventsA, canon.IntA, canon.IntA), CanonArgs: generic(same(0), same(1), same(2), same(3), canon.ConstNull(canon.InStruct, SizeofSigset), canon.Const(canon.Int, nsigBytes)), Exec: canon.ExecSpecial, Handler: canon.HEpollWait, Level: canon.SocketRO},
	// epoll_event.data (often a pointer) is mapped per variant by the handler.
	SYS_EPOLL_CTL: {Name: "epoll_ctl", Args: canon.A(canon.FDA, canon.IntA, canon.FDA, epollEventInA), Exec: canon.ExecSpecial, Handler: canon.HEpollCtl, Level: canon.SocketRW},
	SYS_TGKILL:    {Name: "tgkill", Args: canon.A(canon.PIDA, canon.PIDA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	SYS_UTIMES:    {Name: "utimes", Canon: "utimensat", Args: canon.A(canon.StrA, withLayout(canon.InStructA(SizeofTimeval2), timeval2ToTimespec2)), CanonArgs: generic(fdcwd, same(0), same(1), flags0), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	// NUMA policy is per variant; node masks are compared as NULL/non-NULL.
	SYS_MBIND:         {Name: "mbind", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.IntA, canon.AddrA, canon.IntA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SET_MEMPOLICY: {Name: "set_mempolicy", Args: canon.A(canon.IntA, canon.AddrA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GET_MEMPOLICY: {Name: "get_mempolicy", Args: canon.A(canon.AddrA, canon.AddrA, canon.IntA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	// POSIX message queues are host-wide: the leader's descriptor only.
	// mq_attr's 4 reserved longs are compared too (zero them).
	SYS_MQ_OPEN:         {Name: "mq_open", Args: canon.A(canon.StrA, canon.FlagsA, canon.IntA, canon.InStructA(SizeofMqAttr)), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRW},
	SYS_MQ_UNLINK:       {Name: "mq_unlink", Args: canon.A(canon.StrA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_MQ_TIMEDSEND:    {Name: "mq_timedsend", Args: canon.A(canon.FDA, canon.InBufA(2), canon.IntA, canon.IntA, canon.InStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_MQ_TIMEDRECEIVE: {Name: "mq_timedreceive", Args: canon.A(canon.FDA, canon.OutBufA(2), canon.IntA, canon.OutStructA(SizeofInt), canon.InStructA(SizeofTimespec)), Exec: canon.ExecLeader, Level: canon.NonsocketRO},
	SYS_MQ_GETSETATTR:   {Name: "mq_getsetattr", Args: canon.A(canon.FDA, canon.InStructA(SizeofMqAttr), canon.OutStructA(SizeofMqAttr)), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	// id is a pid only for P_PID and P_PGID (a pidfd for P_PIDFD).
	SYS_WAITID:            {Name: "waitid", Args: canon.A(canon.IntA, canon.PIDA, canon.OutStructA(SizeofSiginfo), canon.FlagsA, canon.OutStructA(SizeofRusage)), Exec: canon.ExecSpecial, Handler: canon.HWait, Level: canon.Base},
	SYS_IOPRIO_SET:        {Name: "ioprio_set", Args: canon.A(canon.IntA, canon.PIDA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_IOPRIO_GET:        {Name: "ioprio_get", Args: canon.A(canon.IntA, canon.PIDA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_INOTIFY_INIT:      {Name: "inotify_init", Canon: "inotify_init1", CanonArgs: generic(flags0), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_INOTIFY_ADD_WATCH: {Name: "inotify_add_watch", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Level: canon.NonsocketRO},
	SYS_INOTIFY_RM_WATCH:  {Name: "inotify_rm_watch", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecLeader, Level: canon.NonsocketRO},
	SYS_OPENAT:            {Name: "openat", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA, canon.IntA), Exec: canon.ExecOpen, Ret: canon.RetFD, Sensitive: true, Why: whyOpen},
	SYS_MKDIRAT:           {Name: "mkdirat", Args: canon.A(canon.FDA, canon.StrA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_MKNODAT:           {Name: "mknodat", Args: canon.A(canon.FDA, canon.StrA, canon.IntA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FCHOWNAT:          {Name: "fchownat", Args: canon.A(canon.FDA, canon.StrA, canon.IntA, canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FUTIMESAT:         {Name: "futimesat", Canon: "utimensat", Args: canon.A(canon.FDA, canon.StrA, withLayout(canon.InStructA(SizeofTimeval2), timeval2ToTimespec2)), CanonArgs: generic(same(0), same(1), same(2), flags0), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_NEWFSTATAT:        {Name: "newfstatat", Args: canon.A(canon.FDA, canon.StrA, statOutA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_UNLINKAT:          {Name: "unlinkat", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_RENAMEAT:          {Name: "renameat", Args: canon.A(canon.FDA, canon.StrA, canon.FDA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_LINKAT:            {Name: "linkat", Args: canon.A(canon.FDA, canon.StrA, canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_SYMLINKAT:         {Name: "symlinkat", Args: canon.A(canon.StrA, canon.FDA, canon.StrA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_READLINKAT:        {Name: "readlinkat", Args: canon.A(canon.FDA, canon.StrA, canon.OutBufA(3), canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_FCHMODAT:          {Name: "fchmodat", Args: canon.A(canon.FDA, canon.StrA, canon.IntA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_FACCESSAT:         {Name: "faccessat", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	// The kernel writes the time left back into the timeout.
	SYS_PSELECT6: {Name: "pselect6", Args: canon.A(canon.IntA, canon.AddrA, canon.AddrA, canon.AddrA, canon.InOutStructA(SizeofTimespec), canon.AddrA), Exec: canon.ExecSpecial, Handler: canon.HSelect, Level: canon.SocketRO},
	// sigsetsize is read only with a sigmask (EINVAL unless 8), and an
	// arm64 glibc's pause, ppoll(NULL, 0, NULL, NULL), leaves garbage in
	// its register: not compared. The sigmask itself is.
	SYS_PPOLL: {Name: "ppoll", Args: canon.A(canon.InOutArrayA(1, SizeofPollFd), canon.IntA, canon.InOutStructA(SizeofTimespec), canon.InStructA(SizeofSigset), canon.IgnoreA), Exec: canon.ExecLeader, Level: canon.SocketRO},
	// The robust list head and its length: per-variant memory.
	SYS_SET_ROBUST_LIST: {Name: "set_robust_list", Args: canon.A(canon.AddrA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_GET_ROBUST_LIST: {Name: "get_robust_list", Args: canon.A(canon.PIDA, canon.AddrA, canon.AddrA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_SPLICE:          {Name: "splice", Args: canon.A(canon.FDA, canon.InOutStructA(SizeofLong), canon.FDA, canon.InOutStructA(SizeofLong), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_TEE:             {Name: "tee", Args: canon.A(canon.FDA, canon.FDA, canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_SYNC_FILE_RANGE: {Name: "sync_file_range", Args: canon.A(canon.FDA, canon.IntA, canon.IntA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	// With a NULL path (futimens) the descriptor's file changes, once.
	SYS_UTIMENSAT:   {Name: "utimensat", Args: canon.A(canon.FDA, canon.StrA, canon.InStructA(SizeofTimespec2), canon.FlagsA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_EPOLL_PWAIT: {Name: "epoll_pwait", Args: canon.A(canon.FDA, epollEventsA, canon.IntA, canon.IntA, canon.InStructA(SizeofSigset), canon.IntA), Exec: canon.ExecSpecial, Handler: canon.HEpollWait, Level: canon.SocketRO},
	// signalfd, timerfd and eventfd objects live in the leader only: epoll
	// and poll run in the leader and must see the leader's object, and an
	// eventfd shared with a child must hold one counter, not one per variant.
	SYS_SIGNALFD:        {Name: "signalfd", Canon: "signalfd4", Args: canon.A(canon.FDA, canon.InStructA(SizeofSigset), canon.IntA), CanonArgs: generic(same(0), same(1), same(2), flags0), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_TIMERFD_CREATE:  {Name: "timerfd_create", Args: canon.A(canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_EVENTFD:         {Name: "eventfd", Canon: "eventfd2", Args: canon.A(canon.IntA), CanonArgs: generic(same(0), flags0), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_FALLOCATE:       {Name: "fallocate", Args: canon.A(canon.FDA, canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_TIMERFD_SETTIME: {Name: "timerfd_settime", Args: canon.A(canon.FDA, canon.FlagsA, canon.InStructA(SizeofItimerspec), canon.OutStructA(SizeofItimerspec)), Exec: canon.ExecLeader, Level: canon.NonsocketRO},
	SYS_TIMERFD_GETTIME: {Name: "timerfd_gettime", Args: canon.A(canon.FDA, canon.OutStructA(SizeofItimerspec)), Exec: canon.ExecLeader, Level: canon.NonsocketRO},
	SYS_ACCEPT4:         {Name: "accept4", Args: canon.A(canon.FDA, canon.OutSockaddrA(2), canon.AddrA, canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Sensitive: true, Why: whySocket},
	SYS_SIGNALFD4:       {Name: "signalfd4", Args: canon.A(canon.FDA, canon.InStructA(SizeofSigset), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_EVENTFD2:        {Name: "eventfd2", Args: canon.A(canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_EPOLL_CREATE1:   {Name: "epoll_create1", Args: canon.A(canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.SocketRW},
	SYS_DUP3:            {Name: "dup3", Args: canon.A(canon.FDA, canon.FDA, canon.FlagsA), Exec: canon.ExecAll, Ret: canon.RetFD, Level: canon.NonsocketRO},
	SYS_PIPE2:           {Name: "pipe2", Args: canon.A(canon.OutStructA(SizeofPipeFds), canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HPipe, Level: canon.NonsocketRW},
	SYS_INOTIFY_INIT1:   {Name: "inotify_init1", Args: canon.A(canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	// The offset comes in two halves (pos_l, pos_h); on amd64 pos_h is
	// ignored by the kernel but glibc fills it with offset>>32.
	SYS_PREADV:            {Name: "preadv", Args: canon.A(canon.FDA, canon.OutIovecA(2), canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_PWRITEV:           {Name: "pwritev", Args: canon.A(canon.FDA, canon.InIovecA(2), canon.IntA, canon.IntA, canon.IntA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_RT_TGSIGQUEUEINFO: {Name: "rt_tgsigqueueinfo", Args: canon.A(canon.PIDA, canon.PIDA, canon.IntA, canon.InStructA(SizeofSiginfo)), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	SYS_PRLIMIT64:         {Name: "prlimit64", Args: canon.A(canon.PIDA, canon.IntA, canon.InStructA(SizeofRlimit64), canon.OutStructA(SizeofRlimit64)), Exec: canon.ExecAll, Level: canon.Base},
	SYS_CLOCK_ADJTIME:     {Name: "clock_adjtime", Args: canon.A(canon.IntA, canon.InOutStructA(SizeofTimex)), Exec: canon.ExecLeader, Sensitive: true, Why: whyClock},
	SYS_SYNCFS:            {Name: "syncfs", Args: canon.A(canon.FDA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	// The handler walks the mmsghdr vector (64 bytes each, count in arg 2)
	// and writes each msg_len back.
	SYS_SENDMMSG: {Name: "sendmmsg", Args: canon.A(canon.FDA, canon.AddrA, canon.IntA, canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HSendmsg, Level: canon.SocketRW},
	// The CPU a thread runs on differs between variants, as rseq's cpu_id
	// would: followers see the leader's.
	SYS_GETCPU:       {Name: "getcpu", Args: canon.A(canon.OutStructA(SizeofInt), canon.OutStructA(SizeofInt), canon.AddrA), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_FINIT_MODULE: {Name: "finit_module", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyModule},
	SYS_RENAMEAT2:    {Name: "renameat2", Args: canon.A(canon.FDA, canon.StrA, canon.FDA, canon.StrA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	// The filter program is reached through a pointer in sock_fprog and is
	// not compared; lockstep still makes every variant install one.
	SYS_SECCOMP:         {Name: "seccomp", Args: canon.A(canon.IntA, canon.FlagsA, canon.AddrA), Exec: canon.ExecAll, Sensitive: true, Why: whySeccomp},
	SYS_GETRANDOM:       {Name: "getrandom", Args: canon.A(canon.OutBufA(1), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Level: canon.Base},
	SYS_MEMFD_CREATE:    {Name: "memfd_create", Args: canon.A(canon.StrA, canon.FlagsA), Exec: canon.ExecAll, Ret: canon.RetFD, Level: canon.NonsocketRW},
	SYS_KEXEC_FILE_LOAD: {Name: "kexec_file_load", Args: canon.A(canon.FDA, canon.FDA, canon.IntA, canon.InBufA(2), canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyHost},
	SYS_EXECVEAT:        {Name: "execveat", Args: canon.A(canon.FDA, canon.StrA, canon.StrVecA, canon.StrVecA, canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HExecve, Sensitive: true, Why: whyExec},
	SYS_MEMBARRIER:      {Name: "membarrier", Args: canon.A(canon.IntA, canon.FlagsA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_MLOCK2:          {Name: "mlock2", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_COPY_FILE_RANGE: {Name: "copy_file_range", Args: canon.A(canon.FDA, canon.InOutStructA(SizeofLong), canon.FDA, canon.InOutStructA(SizeofLong), canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Level: canon.NonsocketRW},
	SYS_PREADV2:         {Name: "preadv2", Args: canon.A(canon.FDA, canon.OutIovecA(2), canon.IntA, canon.IntA, canon.IntA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_PWRITEV2:        {Name: "pwritev2", Args: canon.A(canon.FDA, canon.InIovecA(2), canon.IntA, canon.IntA, canon.IntA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRW},
	SYS_PKEY_MPROTECT:   {Name: "pkey_mprotect", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA, canon.IntA), Exec: canon.ExecAll, Sensitive: true, Why: whyMemExec, Sync: canon.UnsyncedUnlessExec, ProtArg: 2},
	SYS_PKEY_ALLOC:      {Name: "pkey_alloc", Args: canon.A(canon.FlagsA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_PKEY_FREE:       {Name: "pkey_free", Args: canon.A(canon.IntA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_STATX:           {Name: "statx", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA, canon.FlagsA, canon.OutStructA(SizeofStatx)), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	// rseq's cpu_id would differ between variants; glibc falls back cleanly
	// when registration fails.
	SYS_RSEQ:              {Name: "rseq", Args: canon.A(canon.AddrA, canon.IntA, canon.FlagsA, canon.IntA), Exec: canon.ExecNone, Fixed: -enosysErrno, Level: canon.Base},
	SYS_PIDFD_SEND_SIGNAL: {Name: "pidfd_send_signal", Args: canon.A(canon.FDA, canon.IntA, canon.InStructA(SizeofSiginfo), canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whySignal},
	SYS_PIDFD_OPEN:        {Name: "pidfd_open", Args: canon.A(canon.PIDA, canon.FlagsA), Exec: canon.ExecLeader, Ret: canon.RetFD, Level: canon.NonsocketRO},
	// clone_args is all pointers and flags; the handler reads it (its size
	// is argument 1).
	SYS_CLONE3:      {Name: "clone3", Args: canon.A(canon.AddrA, canon.IntA), Exec: canon.ExecSpecial, Handler: canon.HClone, Ret: canon.RetPID, Sensitive: true, Why: whyClone},
	SYS_CLOSE_RANGE: {Name: "close_range", Args: canon.A(canon.FDA, canon.FDA, canon.FlagsA), Exec: canon.ExecSpecial, Handler: canon.HClose, Level: canon.NonsocketRO},
	// open_how's size is argument 3; version 0 (24 bytes) is compared.
	SYS_OPENAT2:                 {Name: "openat2", Args: canon.A(canon.FDA, canon.StrA, canon.InStructA(SizeofOpenHow), canon.IntA), Exec: canon.ExecOpen, Ret: canon.RetFD, Sensitive: true, Why: whyOpen},
	SYS_FACCESSAT2:              {Name: "faccessat2", Args: canon.A(canon.FDA, canon.StrA, canon.FlagsA, canon.FlagsA), Exec: canon.ExecByFD, Level: canon.NonsocketRO},
	SYS_EPOLL_PWAIT2:            {Name: "epoll_pwait2", Args: canon.A(canon.FDA, epollEventsA, canon.IntA, canon.InStructA(SizeofTimespec), canon.InStructA(SizeofSigset), canon.IntA), Exec: canon.ExecSpecial, Handler: canon.HEpollWait, Level: canon.SocketRO},
	SYS_FUTEX_WAITV:             {Name: "futex_waitv", Args: canon.A(canon.AddrA, canon.IntA, canon.FlagsA, canon.AddrA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_SET_MEMPOLICY_HOME_NODE: {Name: "set_mempolicy_home_node", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.IntA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
	SYS_FCHMODAT2:               {Name: "fchmodat2", Args: canon.A(canon.FDA, canon.StrA, canon.IntA, canon.FlagsA), Exec: canon.ExecLeader, Sensitive: true, Why: whyFileMut},
	SYS_MAP_SHADOW_STACK:        {Name: "map_shadow_stack", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Ret: canon.RetAddr, Sensitive: true, Why: "maps a shadow stack (control-flow integrity state)"},
	// futex2: the value to wait for is a futex word (may hold a tid or a
	// pointer): not compared, as for FUTEX_WAIT.
	SYS_FUTEX_WAKE:    {Name: "futex_wake", Args: canon.A(canon.AddrA, canon.FlagsA, canon.IntA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_FUTEX_WAIT:    {Name: "futex_wait", Args: canon.A(canon.AddrA, canon.IgnoreA, canon.FlagsA, canon.FlagsA, canon.AddrA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_FUTEX_REQUEUE: {Name: "futex_requeue", Args: canon.A(canon.AddrA, canon.FlagsA, canon.IntA, canon.IntA), Exec: canon.ExecAll, Level: canon.Base, Sync: canon.Unsynced},
	SYS_MSEAL:         {Name: "mseal", Args: canon.A(canon.IgnoreA, canon.IgnoreA, canon.FlagsA), Exec: canon.ExecAll, Level: canon.Base},
}

// enosysErrno is ENOSYS: rows with ExecNone return -enosysErrno.
const enosysErrno = 38

// enosys is the row of a call that Linux does not implement on amd64.
func enosys(name string) *canon.Row {
	return &canon.Row{Name: name, Exec: canon.ExecNone, Fixed: -enosysErrno, Level: canon.Base}
}

// noneA marks an argument slot that a (sub-)call does not read.
var noneA = canon.Arg{Kind: canon.None, Len: -1}

// Why strings shared by sensitive rows.
const (
	whyExec    = "runs a new program image"
	whyClone   = "creates a process or thread"
	whyMemExec = "can make memory executable"
	whyOpen    = "may create a file, or truncate one"
	whyFileMut = "changes the file system (names, links, modes, owners, data)"
	whyXattr   = "changes extended attributes (security.* ones grant capabilities)"
	whySignal  = "sends a signal to another process or thread"
	whyCred    = "changes credentials"
	whySocket  = "creates or accepts a network endpoint"
	whyClock   = "sets the system clock"
	whyHost    = "changes host-wide state"
	whyModule  = "loads or unloads kernel code"
	whySeccomp = "installs a seccomp filter (interacts with the monitor's own)"
	whyPrctl   = "changes process attributes (dumpability, seccomp, capabilities, ...)"
)
