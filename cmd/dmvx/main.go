// Command dmvx runs a program as several diversified variants in lockstep
// and stops them all at the first divergence. See README.md.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries dmvx's exit status out of cobra.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	root := &cobra.Command{
		Use:           "dmvx",
		Short:         "Distributed multi-variant execution: run variants of a program in lockstep",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: 125, msg: err.Error() + "\n" + c.UsageString()}
	})
	root.AddCommand(newRunCmd(), newCertsCmd(), newAgentCmd(), newConnectCmd(), newFollowCmd())
	err := root.Execute()
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "dmvx: "+ee.msg)
		}
		os.Exit(ee.code)
	}
	// Unknown commands and other cobra errors are usage errors.
	fmt.Fprintf(os.Stderr, "dmvx: %v\n%s", err, root.UsageString())
	os.Exit(125)
}
