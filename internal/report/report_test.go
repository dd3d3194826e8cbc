package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func sample() *Report {
	return &Report{
		Outcome:  Divergence,
		ExitCode: 1,
		Variants: []Variant{
			{Index: 0, Role: "leader", Path: "/bin/a", Pid: 100, ExitCode: 0, Signal: ""},
			{Index: 1, Role: "follower", Path: "/bin/b", Pid: 101, ExitCode: -1, Signal: "SIGKILL"},
		},
		Divergence: &Div{
			Call:   "openat",
			Reason: "argument 1 (str) content differs",
			Task:   0,
			Variants: []DivVariant{
				{Index: 0, Call: `openat(AT_FDCWD, "/a", 0x0, 0)`, History: []string{"brk(_) = 0", "getpid() = 100"}},
				{Index: 1, Call: `openat(AT_FDCWD, "/b", 0x0, 0)`, History: []string{"brk(_) = 0"}},
			},
		},
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func readJSON(t *testing.T, r *Report) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("report does not end with a newline: %q", b[max(0, len(b)-10):])
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	return m
}

func TestWriteJSONFields(t *testing.T) {
	m := readJSON(t, sample())
	if got, want := keys(m), []string{"divergence", "exit_code", "outcome", "variants"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top-level keys = %v, want %v", got, want)
	}
	if m["outcome"] != "divergence" || m["exit_code"] != 1.0 {
		t.Errorf("outcome, exit_code = %v, %v", m["outcome"], m["exit_code"])
	}
	vs, ok := m["variants"].([]any)
	if !ok || len(vs) != 2 {
		t.Fatalf("variants = %#v", m["variants"])
	}
	wantV := []map[string]any{
		{"index": 0.0, "role": "leader", "path": "/bin/a", "pid": 100.0, "exit_code": 0.0, "signal": ""},
		{"index": 1.0, "role": "follower", "path": "/bin/b", "pid": 101.0, "exit_code": -1.0, "signal": "SIGKILL"},
	}
	for i, v := range vs {
		if !reflect.DeepEqual(v, any(wantV[i])) {
			t.Errorf("variants[%d] = %v, want %v", i, v, wantV[i])
		}
	}
	d, ok := m["divergence"].(map[string]any)
	if !ok {
		t.Fatalf("divergence = %#v", m["divergence"])
	}
	for _, k := range []string{"call", "reason", "variants", "logical_task"} {
		if _, ok := d[k]; !ok {
			t.Errorf("divergence lacks %q: %v", k, keys(d))
		}
	}
	if d["call"] != "openat" || d["reason"] != "argument 1 (str) content differs" {
		t.Errorf("divergence call/reason = %v / %v", d["call"], d["reason"])
	}
	dvs, ok := d["variants"].([]any)
	if !ok || len(dvs) != 2 {
		t.Fatalf("divergence.variants = %#v", d["variants"])
	}
	dv0 := dvs[0].(map[string]any)
	if got, want := keys(dv0), []string{"call", "history", "index"}; !reflect.DeepEqual(got, want) {
		t.Errorf("divergence.variants[0] keys = %v, want %v", got, want)
	}
	if h, ok := dv0["history"].([]any); !ok || len(h) != 2 || h[1] != "getpid() = 100" {
		t.Errorf("history = %#v", dv0["history"])
	}
}

func TestWriteJSONOmits(t *testing.T) {
	r := &Report{Outcome: OK, ExitCode: 3, Variants: []Variant{{Index: 0, Role: "leader"}}}
	m := readJSON(t, r)
	for _, k := range []string{"divergence", "stats", "error"} {
		if _, ok := m[k]; ok {
			t.Errorf("%q present in an ok report without it", k)
		}
	}
	if m["exit_code"] != 3.0 {
		t.Errorf("exit_code = %v", m["exit_code"])
	}

	r = &Report{Outcome: Error, ExitCode: 125, Error: "unsupported call ioctl(0x5401)",
		Stats: &Stats{Calls: 7, RdtscTrapped: true, LockstepWait: 2 * time.Millisecond, ByClass: map[string]uint64{"lockstep": 7}}}
	m = readJSON(t, r)
	if m["error"] != "unsupported call ioctl(0x5401)" || m["outcome"] != "error" {
		t.Errorf("error report: %v", m)
	}
	s, ok := m["stats"].(map[string]any)
	if !ok {
		t.Fatalf("stats = %#v", m["stats"])
	}
	for _, k := range []string{"calls", "by_class", "by_call", "bytes_replicated", "rendezvous", "lockstep_wait_ns",
		"signals_injected", "rdtsc_trapped", "rdtsc_calls", "wall_ns"} {
		if _, ok := s[k]; !ok {
			t.Errorf("stats lack %q", k)
		}
	}
	if s["lockstep_wait_ns"] != 2e6 || s["rdtsc_trapped"] != true {
		t.Errorf("stats = %v", s)
	}
	// variants is always an array, even when no variant started.
	if v, ok := m["variants"]; !ok {
		t.Errorf("variants missing")
	} else if v != nil {
		if _, ok := v.([]any); !ok {
			t.Errorf("variants = %#v", v)
		}
	}
}

func TestWriteJSONBadPath(t *testing.T) {
	if err := sample().WriteJSON(filepath.Join(t.TempDir(), "no", "such", "dir", "r.json")); err == nil {
		t.Error("WriteJSON into a missing directory succeeded")
	}
}

func TestOutcomes(t *testing.T) {
	for _, tt := range []struct{ got, want string }{{OK, "ok"}, {Divergence, "divergence"}, {Error, "error"}, {Signal, "signal"}} {
		if tt.got != tt.want {
			t.Errorf("outcome %q, want %q", tt.got, tt.want)
		}
	}
}

func TestWriteDivergence(t *testing.T) {
	var b bytes.Buffer
	sample().WriteDivergence(&b)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if want := "dmvx: divergence at openat: argument 1 (str) content differs"; lines[0] != want {
		t.Errorf("first line = %q, want %q", lines[0], want)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "dmvx: ") {
			t.Errorf("line without the dmvx prefix: %q", l)
		}
	}
	out := b.String()
	for _, s := range []string{
		`variant 0 (leader): openat(AT_FDCWD, "/a", 0x0, 0)`,
		`variant 1 (follower): openat(AT_FDCWD, "/b", 0x0, 0)`,
		"last 2 calls of variant 0:",
		"last 1 calls of variant 1:",
		"getpid() = 100",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("divergence report lacks %q:\n%s", s, out)
		}
	}
	if last := lines[len(lines)-1]; last != "dmvx: all variants were killed" {
		t.Errorf("last line = %q", last)
	}

	// Without history, no history header.
	r := sample()
	for i := range r.Divergence.Variants {
		r.Divergence.Variants[i].History = nil
	}
	b.Reset()
	r.WriteDivergence(&b)
	if strings.Contains(b.String(), "last ") {
		t.Errorf("history header without history:\n%s", b.String())
	}

	// No divergence, no output.
	b.Reset()
	(&Report{Outcome: OK}).WriteDivergence(&b)
	if b.Len() != 0 {
		t.Errorf("WriteDivergence without divergence wrote %q", b.String())
	}
}

func TestStatsWrite(t *testing.T) {
	byCall := map[string]uint64{}
	for i, name := range []string{"read", "write", "openat", "close", "mmap", "brk", "fstat", "lseek",
		"getpid", "futex", "poll", "ioctl", "access", "uname"} {
		byCall[name] = uint64(100 - i)
	}
	byCall["zz_tie"] = 100 // ties sort by name
	tests := []struct {
		name    string
		s       Stats
		want    []string
		notWant []string
	}{
		{
			name: "trapped",
			s: Stats{Calls: 1234, Rendezvous: 1200, Wall: 1500 * time.Millisecond, RdtscTrapped: true, RdtscCalls: 42,
				ByClass: map[string]uint64{"leader": 10, "all": 5}, ByCall: byCall, BytesReplicated: 4096,
				LockstepWait: 3 * time.Millisecond, SignalsInjected: 2},
			want: []string{"1234 calls", "1200 rendezvous", "wall 1.5s", "by class: all=5 leader=10",
				"top calls: read=100 zz_tie=100 write=99", "bytes replicated leader->followers: 4096",
				"signals delivered in lockstep: 2", "rdtsc: trapped and replicated (42 executions)"},
			notWant: []string{"access=", "uname=", "NOT trapped"},
		},
		{
			name:    "not trapped",
			s:       Stats{},
			want:    []string{"0 calls", "rdtsc: NOT trapped"},
			notWant: []string{"trapped and replicated"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.s.Write(&b)
			out := b.String()
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if !strings.HasPrefix(l, "dmvx: stats") {
					t.Errorf("line %q does not start with \"dmvx: stats\"", l)
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("stats lack %q:\n%s", s, out)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(out, s) {
					t.Errorf("stats contain %q:\n%s", s, out)
				}
			}
			if !strings.Contains(strings.ToLower(out), "rdtsc") {
				t.Errorf("stats do not mention rdtsc")
			}
		})
	}
}
