// Package report is the outcome of a dmvx run, as JSON (--report) and as the
// human-readable text printed on stderr on divergence and for --stats.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Outcomes of a run.
const (
	OK         = "ok"         // all variants agreed; exit code is the program's
	Divergence = "divergence" // variants differed, crashed apart or stalled
	Error      = "error"      // dmvx itself could not go on (unsupported call, ...)
	Signal     = "signal"     // the program died of a signal, in every variant
)

// Variant is one variant's part of the report.
type Variant struct {
	Index    int    `json:"index"`
	Role     string `json:"role"`
	Path     string `json:"path"`
	Host     string `json:"host,omitempty"` // a follower on another host
	Pid      int    `json:"pid"`
	ExitCode int    `json:"exit_code"`
	Signal   string `json:"signal"`
}

// DivVariant is what one variant was doing when the run diverged.
type DivVariant struct {
	Index   int      `json:"index"`
	Call    string   `json:"call"`
	History []string `json:"history"`
}

// Div describes a divergence.
type Div struct {
	// Call is the canonical name of the call where variants differed.
	Call   string `json:"call"`
	Reason string `json:"reason"`
	Task   int    `json:"logical_task"`
	// By says which monitor saw it: "cp-mon" (lockstep) or "ip-mon" (a
	// follower's in-process check, or the replication buffer).
	By       string       `json:"detected_by,omitempty"`
	Variants []DivVariant `json:"variants"`
}

// Stats summarises a run (--stats).
type Stats struct {
	Calls           uint64            `json:"calls"`
	ByClass         map[string]uint64 `json:"by_class"`
	ByCall          map[string]uint64 `json:"by_call"`
	BytesReplicated uint64            `json:"bytes_replicated"`
	Rendezvous      uint64            `json:"rendezvous"`
	LockstepWait    time.Duration     `json:"lockstep_wait_ns"`
	SignalsInjected uint64            `json:"signals_injected"`
	RdtscTrapped    bool              `json:"rdtsc_trapped"`
	RdtscCalls      uint64            `json:"rdtsc_calls"`
	// IPMON says whether the in-process monitor ran ("on, policy L") or
	// why not ("off: ...").
	IPMON string `json:"ipmon"`
	// DirectCalls are the leader's calls IP-MON took (direct path);
	// SigsysCalls those that reached IP-MON as SIGSYS (dmvx's filter has
	// no SIGSYS path: see docs/architecture.md).
	DirectCalls uint64 `json:"direct_calls"`
	// LeaderCPMONCalls are the leader's calls that stopped for CP-MON
	// (lockstep and unsynced).
	LeaderCPMONCalls uint64 `json:"leader_cpmon_calls"`
	SigsysCalls      uint64 `json:"sigsys_calls"`
	IPMONRegistered  uint64 `json:"ipmon_registrations"`
	IPMONDivergences uint64 `json:"ipmon_divergences"`
	// SitesPatched are the syscall sites CP-MON redirected to IP-MON
	// (in every variant at once); SitesLeft those it looked at and left
	// alone (another instruction before the syscall, out of reach, or
	// no room left).
	SitesPatched    uint64 `json:"sites_patched"`
	SitesLeft       uint64 `json:"sites_left"`
	RBLeaderWaits   uint64 `json:"rb_leader_waits"`
	RBFollowerWaits uint64 `json:"rb_follower_waits"`
	// Follower hosts: stops their executors reported (PassedStops of them
	// resumed there without a round trip), commands sent back and the
	// frames that carried them, link bytes both ways (frame headers
	// included).
	RemoteStops    uint64 `json:"remote_stops,omitempty"`
	PassedStops    uint64 `json:"remote_passed_stops,omitempty"`
	RemoteCommands uint64 `json:"remote_commands,omitempty"`
	RemoteFrames   uint64 `json:"remote_command_frames,omitempty"`
	RemoteBytes    uint64 `json:"remote_bytes,omitempty"`
	// AsyncCalls: rendezvous the leader completed ahead of a follower
	// host, whose part went there as an expectation.
	AsyncCalls uint64 `json:"async_calls,omitempty"`
	// ShippedRecords: the leader's IP-MON records (and CP-MON's) sent to
	// follower hosts, in ShippedBatches commands.
	ShippedRecords uint64        `json:"shipped_records,omitempty"`
	ShippedBatches uint64        `json:"shipped_batches,omitempty"`
	Wall           time.Duration `json:"wall_ns"`
}

// Report is the whole run.
type Report struct {
	Outcome    string    `json:"outcome"`
	ExitCode   int       `json:"exit_code"`
	Error      string    `json:"error,omitempty"`
	Variants   []Variant `json:"variants"`
	Divergence *Div      `json:"divergence,omitempty"`
	Stats      *Stats    `json:"stats,omitempty"`
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteDivergence prints the human-readable divergence report.
func (r *Report) WriteDivergence(w io.Writer) {
	d := r.Divergence
	if d == nil {
		return
	}
	fmt.Fprintf(w, "dmvx: divergence at %s: %s\n", d.Call, d.Reason)
	for _, v := range d.Variants {
		role := "follower"
		if v.Index == 0 {
			role = "leader"
		}
		fmt.Fprintf(w, "dmvx:   variant %d (%s): %s\n", v.Index, role, v.Call)
	}
	for _, v := range d.Variants {
		if len(v.History) == 0 {
			continue
		}
		fmt.Fprintf(w, "dmvx:   last %d calls of variant %d:\n", len(v.History), v.Index)
		for _, h := range v.History {
			fmt.Fprintf(w, "dmvx:     %s\n", h)
		}
	}
	fmt.Fprintf(w, "dmvx: all variants were killed\n")
}

// WriteStats prints the --stats summary.
func (s *Stats) Write(w io.Writer) {
	fmt.Fprintf(w, "dmvx: stats: %d calls seen by CP-MON (ptrace), %d rendezvous in lockstep, the rest unsynced (counted per variant); wall %s\n",
		s.Calls, s.Rendezvous, s.Wall.Round(time.Millisecond))
	classes := make([]string, 0, len(s.ByClass))
	for c := range s.ByClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var parts []string
	for _, c := range classes {
		parts = append(parts, fmt.Sprintf("%s=%d", c, s.ByClass[c]))
	}
	fmt.Fprintf(w, "dmvx: stats: by class: %s\n", strings.Join(parts, " "))
	type kv struct {
		k string
		v uint64
	}
	var top []kv
	for k, v := range s.ByCall {
		top = append(top, kv{k, v})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v || top[i].v == top[j].v && top[i].k < top[j].k })
	if len(top) > 12 {
		top = top[:12]
	}
	parts = parts[:0]
	for _, e := range top {
		parts = append(parts, fmt.Sprintf("%s=%d", e.k, e.v))
	}
	fmt.Fprintf(w, "dmvx: stats: top calls: %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "dmvx: stats: bytes replicated leader->followers: %d\n", s.BytesReplicated)
	fmt.Fprintf(w, "dmvx: stats: time in lockstep waits (first to last arrival, summed): %s\n",
		s.LockstepWait.Round(time.Microsecond))
	fmt.Fprintf(w, "dmvx: stats: signals delivered in lockstep: %d\n", s.SignalsInjected)
	if s.IPMON != "" {
		fmt.Fprintf(w, "dmvx: stats: IP-MON: %s\n", s.IPMON)
		cp := s.LeaderCPMONCalls
		total := s.DirectCalls + s.SigsysCalls + cp
		pct := func(x uint64) float64 {
			if total == 0 {
				return 0
			}
			return 100 * float64(x) / float64(total)
		}
		fmt.Fprintf(w, "dmvx: stats: calls by path (leader): direct %d (%.1f%%), SIGSYS %d (%.1f%%), CP-MON %d (%.1f%%)\n",
			s.DirectCalls, pct(s.DirectCalls), s.SigsysCalls, pct(s.SigsysCalls), cp, pct(cp))
		fmt.Fprintf(w, "dmvx: stats: syscall sites patched to IP-MON: %d (%d left to CP-MON)\n", s.SitesPatched, s.SitesLeft)
		fmt.Fprintf(w, "dmvx: stats: replication buffers: leader waited for room %d times, followers slept for a record %d times\n",
			s.RBLeaderWaits, s.RBFollowerWaits)
	}
	if s.RemoteStops > 0 {
		per := 0.0
		if s.RemoteFrames > 0 {
			per = float64(s.RemoteCommands) / float64(s.RemoteFrames)
		}
		fmt.Fprintf(w, "dmvx: stats: follower hosts: %d stops reported (%d resumed there), %d commands in %d frames (%.1f per frame), %d bytes on the links\n",
			s.RemoteStops, s.PassedStops, s.RemoteCommands, s.RemoteFrames, per, s.RemoteBytes)
		fmt.Fprintf(w, "dmvx: stats: follower hosts: %d calls the leader made ahead of them (asynchronous replication)\n", s.AsyncCalls)
		if s.ShippedBatches > 0 {
			fmt.Fprintf(w, "dmvx: stats: follower hosts: %d replication records shipped in %d batches (%.1f per batch)\n",
				s.ShippedRecords, s.ShippedBatches, float64(s.ShippedRecords)/float64(s.ShippedBatches))
		}
	}
	if s.RdtscTrapped {
		fmt.Fprintf(w, "dmvx: stats: rdtsc: trapped and replicated (%d executions)\n", s.RdtscCalls)
	} else {
		fmt.Fprintf(w, "dmvx: stats: rdtsc: NOT trapped on this machine (PR_SET_TSC has no effect); variants read their own counters\n")
	}
}
