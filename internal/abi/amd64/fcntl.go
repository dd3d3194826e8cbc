package amd64

import "dmvx/internal/canon"

// fcntl commands with a row.
const (
	F_DUPFD         = 0
	F_GETFD         = 1
	F_SETFD         = 2
	F_GETFL         = 3
	F_SETFL         = 4
	F_GETLK         = 5
	F_SETLK         = 6
	F_SETLKW        = 7
	F_SETOWN        = 8
	F_GETOWN        = 9
	F_SETSIG        = 10
	F_GETSIG        = 11
	F_OFD_GETLK     = 36
	F_OFD_SETLK     = 37
	F_OFD_SETLKW    = 38
	F_SETLEASE      = 1024
	F_GETLEASE      = 1025
	F_DUPFD_CLOEXEC = 1030
	F_SETPIPE_SZ    = 1031
	F_GETPIPE_SZ    = 1032
	F_ADD_SEALS     = 1033
	F_GET_SEALS     = 1034
)

// fcntlSubs are the fcntl commands dmvx supports.
//
//   - Descriptor-table commands (F_DUPFD*, F_GETFD, F_SETFD) run in every
//     variant: descriptor numbers and flags are kept identical.
//   - Open-file commands (F_GETFL, F_SETFL, owner, signal, pipe size, seals)
//     run by descriptor: each variant's own local file, or the leader's.
//   - Record locks and leases are held by the leader alone, so that a lock
//     is taken once; followers get the leader's result. struct flock has 8
//     bytes of padding that are compared with the rest (zero it).
//
// Left out on purpose: F_SETOWN_EX / F_GETOWN_EX (a pid inside a struct,
// which the engine would have to map), F_NOTIFY (dnotify signals),
// F_GET/SET_RW_HINT, F_DUPFD_QUERY, F_CREATED_QUERY, F_CANCELLK.
var fcntlSubs = []sub{
	{F_DUPFD, "F_DUPFD", fcntlRow(canon.IntA, canon.ExecAll, canon.RetFD, canon.NonsocketRO)},
	{F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC", fcntlRow(canon.IntA, canon.ExecAll, canon.RetFD, canon.NonsocketRO)},
	{F_GETFD, "F_GETFD", fcntlRow(noneA, canon.ExecAll, canon.RetInt, canon.NonsocketRO)},
	{F_SETFD, "F_SETFD", fcntlRow(canon.FlagsA, canon.ExecAll, canon.RetInt, canon.NonsocketRO)},
	{F_GETFL, "F_GETFL", fcntlRow(noneA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_SETFL, "F_SETFL", fcntlRow(canon.FlagsA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_GETLK, "F_GETLK", fcntlRow(canon.InOutStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRO)},
	{F_SETLK, "F_SETLK", fcntlRow(canon.InStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRW)},
	{F_SETLKW, "F_SETLKW", fcntlRow(canon.InStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRW)},
	{F_OFD_GETLK, "F_OFD_GETLK", fcntlRow(canon.InOutStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRO)},
	{F_OFD_SETLK, "F_OFD_SETLK", fcntlRow(canon.InStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRW)},
	{F_OFD_SETLKW, "F_OFD_SETLKW", fcntlRow(canon.InStructA(SizeofFlock), canon.ExecLeader, canon.RetInt, canon.NonsocketRW)},
	// A negative owner is a process group; PID arguments are mapped to the
	// variant's own ids before a follower runs the call.
	{F_SETOWN, "F_SETOWN", fcntlRow(canon.PIDA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_GETOWN, "F_GETOWN", fcntlRow(noneA, canon.ExecByFD, canon.RetPID, canon.NonsocketRO)},
	{F_SETSIG, "F_SETSIG", fcntlRow(canon.IntA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_GETSIG, "F_GETSIG", fcntlRow(noneA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_SETLEASE, "F_SETLEASE", fcntlRow(canon.IntA, canon.ExecLeader, canon.RetInt, canon.NonsocketRW)},
	{F_GETLEASE, "F_GETLEASE", fcntlRow(noneA, canon.ExecLeader, canon.RetInt, canon.NonsocketRO)},
	{F_SETPIPE_SZ, "F_SETPIPE_SZ", fcntlRow(canon.IntA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_GETPIPE_SZ, "F_GETPIPE_SZ", fcntlRow(noneA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
	{F_ADD_SEALS, "F_ADD_SEALS", fcntlRow(canon.FlagsA, canon.ExecByFD, canon.RetInt, canon.NonsocketRW)},
	{F_GET_SEALS, "F_GET_SEALS", fcntlRow(noneA, canon.ExecByFD, canon.RetInt, canon.NonsocketRO)},
}

// fcntlRow is a command with third argument arg.
func fcntlRow(arg canon.Arg, exec canon.Exec, ret canon.Ret, level canon.Level) *canon.Row {
	return &canon.Row{Name: "fcntl", Args: canon.A(canon.FDA, canon.IntA, arg), Exec: exec, Ret: ret, Level: level}
}
