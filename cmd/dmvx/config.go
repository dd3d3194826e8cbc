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
	Variants  *int     `toml:"variants"`
	Variant   []string `toml:"variant"`
	Report    *string  `toml:"report"`
	Stats     *bool    `toml:"stats"`
	LogLevel  *string  `toml:"log_level"`
	Deadline  *string  `toml:"deadline"`
	Policy    *string  `toml:"policy"`
	NoIPMON   *bool    `toml:"no_ipmon"`
	FromEntry *bool    `toml:"from_entry"`
	// Several hosts.
	Follower    []string `toml:"follower"`
	Cert        *string  `toml:"cert"`
	Key         *string  `toml:"key"`
	CA          *string  `toml:"ca"`
	LinkTimeout *string  `toml:"link_timeout"`
	Heartbeat   *string  `toml:"heartbeat"`
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
		return fmt.Errorf("--config %s: unknown key(s) %s (known: variants, variant, report, stats, log_level, deadline, policy, no_ipmon, from_entry, follower, cert, key, ca, link_timeout, heartbeat)",
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
	if c.FromEntry != nil && unset("from-entry") {
		f.fromEntry = *c.FromEntry
	}
	if c.Follower != nil && unset("follower") {
		f.followers = c.Follower
	}
	for _, p := range []struct {
		v    *string
		flag string
		to   *string
	}{{c.Cert, "cert", &f.tls.cert}, {c.Key, "key", &f.tls.key}, {c.CA, "ca", &f.tls.ca}} {
		if p.v != nil && unset(p.flag) {
			*p.to = *p.v
		}
	}
	for _, p := range []struct {
		v    *string
		flag string
		to   *time.Duration
	}{{c.LinkTimeout, "link-timeout", &f.link.timeout}, {c.Heartbeat, "heartbeat", &f.link.heartbeat}} {
		if p.v != nil && unset(p.flag) {
			d, err := time.ParseDuration(*p.v)
			if err != nil {
				return fmt.Errorf("--config %s: %s: %w", path, strings.ReplaceAll(p.flag, "-", "_"), err)
			}
			*p.to = d
		}
	}
	return nil
}
