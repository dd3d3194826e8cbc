// Package e2e runs real programs natively and under bin/dmvx and compares
// what a user would see: stdout, stderr, exit status, files written, and the
// JSON report. It needs `make build` first (bin/dmvx and the programs under
// testdata/bin); TestMain stops with that advice when they are missing.
//
// Every run under dmvx is followed by a check that no process of the run is
// left: the test binary makes itself a child subreaper, so a variant that
// outlives dmvx is re-parented to it and shows up as its child.
//
// DMVX_E2E_FLAGS (space-separated) are put right after `dmvx run` in every
// invocation, so that the suite runs once per configuration: make
// e2e-matrix runs it with each --policy level and with --no-ipmon. Tests of
// IP-MON's own behaviour (ipmon_test.go) run in the default configuration
// only and skip themselves otherwise.
//
// Tests run one at a time: ptrace-heavy runs on a 2-core machine would only
// slow each other down and make deadlines flaky.
package e2e
