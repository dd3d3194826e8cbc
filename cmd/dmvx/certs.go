package main

import (
	"fmt"
	"os"
	"path/filepath"

	"dmvx/internal/certs"

	"github.com/spf13/cobra"
)

// newCertsCmd: dmvx certs init DIR, dmvx certs issue DIR NAME...
func newCertsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "certs",
		Short: "Make a CA and host certificates for mutual TLS between hosts",
		Long: `Make the certificates dmvx's hosts authenticate each other with: a private CA
(ca.crt, ca.key) and, per host, NAME.crt and NAME.key signed by it. Keys are
ECDSA P-256, written 0600. Keep ca.key off the hosts; give each host its own
pair and ca.crt.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return usageErr(c, "certs needs a command: init or issue") },
	}
	c.AddCommand(&cobra.Command{
		Use:   "init DIR",
		Short: "Make a new CA in DIR",
		Args:  exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := certs.Init(args[0]); err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			fmt.Printf("dmvx: made a CA: %s, %s\n", filepath.Join(args[0], certs.CACert), filepath.Join(args[0], certs.CAKey))
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "issue DIR NAME...",
		Short: "Make a certificate and key for each host NAME (a DNS name or an IP address), signed by DIR's CA",
		Args:  minArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := certs.Issue(args[0], args[1:]...); err != nil {
				return &exitError{code: 125, msg: err.Error()}
			}
			for _, n := range args[1:] {
				fmt.Fprintf(os.Stdout, "dmvx: issued %s, %s\n", filepath.Join(args[0], n+".crt"), filepath.Join(args[0], n+".key"))
			}
			return nil
		},
	})
	return c
}

// exactArgs and minArgs are cobra's checks with dmvx's usage error (125).
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(c, "%s takes %d argument(s), got %d", c.Name(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErr(c, "%s takes at least %d arguments, got %d", c.Name(), n, len(args))
		}
		return nil
	}
}
