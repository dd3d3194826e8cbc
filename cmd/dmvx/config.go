package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
)

// runConfig is what a --config file may hold: the flags of dmvx run, under
// their long names with '_' for '-'. A key the file sets is used unless
// the same flag is on the command line.
type runConfig struct {
	Variants *int     `toml:"variants"`
	Variant  []string `toml:"variant"`
	Report   *string  `toml:"report"`
	Stats    *bool    `toml:"stats"`
	LogLevel *string  `toml:"log_level"`
	Deadline *string  `toml:"deadline"`
	Policy   *string  `toml:"policy"`
	NoIPMON  *bool    `toml:"no_ipmon"`
}

// applyConfig reads path into f, under the flags given on the command
// line. Unknown keys are errors: a misspelt setting must not be ignored.
func applyConfig(cmd *cobra.Command, f *runFlags, path string) error {
	var c runConfig
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return fmt.Errorf("--config %s: unknown key(s) %s (known: variants, variant, report, stats, log_level, deadline, policy, no_ipmon)",
			path, strings.Join(keys, ", "))
	}
	fl := cmd.Flags()
	unset := func(name string) bool { return !fl.Changed(name) }
	if c.Variants != nil && unset("variants") {
		f.n, f.nSet = *c.Variants, true
	}
	if c.Variant != nil && unset("variant") {
		f.variants = c.Variant
	}
	if c.Report != nil && unset("report") {
		f.report = *c.Report
	}
	if c.Stats != nil && unset("stats") {
		f.stats = *c.Stats
	}
	if c.LogLevel != nil && unset("log-level") && unset("verbose") {
		f.logLevel = *c.LogLevel
	}
	if c.Deadline != nil && unset("deadline") {
		d, err := time.ParseDuration(*c.Deadline)
		if err != nil {
			return fmt.Errorf("--config %s: deadline: %w", path, err)
		}
		f.deadline = d
	}
	if c.Policy != nil && unset("policy") {
		f.policy = *c.Policy
	}
	if c.NoIPMON != nil && unset("no-ipmon") {
		f.noIPMON = *c.NoIPMON
	}
	return nil
}
