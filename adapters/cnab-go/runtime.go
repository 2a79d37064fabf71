package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/cnabio/cnab-go/action"
	"github.com/cnabio/cnab-go/bundle"
	"github.com/cnabio/cnab-go/claim"
	"github.com/cnabio/cnab-go/driver"
	"github.com/cnabio/cnab-go/driver/lookup"
	"github.com/cnabio/cnab-go/valuesource"
)

const cnabGoModule = "github.com/cnabio/cnab-go"

// leftToRuntime is appended to every run message so that the report says,
// next to each verdict, which duties cnab-go does not carry out itself and
// this adapter deliberately does not add.
const leftToRuntime = "note: left to the runtime by cnab-go and not added by this adapter: " +
	"refusing actions on an installation with no claim, not recording stateless actions, " +
	"support for required extensions, image digest checks on the command driver; " +
	"claims are stored as plain JSON files"

// cnabGoVersion is the cnab-go module version this binary was built with.
func cnabGoVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == cnabGoModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "unknown"
}

// info describes the runtime. The core version is cnab-go's own constant;
// cnab-go's claim package follows the Claims 1.0.0 draft
// (claim.CNABSpecVersion), declared here as cnab-claims-1.0.0 so that the
// claims cases run and show where the draft differs.
func info() infoResponse {
	return infoResponse{
		Protocol:     protocolID,
		Name:         "cnab-go",
		Version:      cnabGoVersion(),
		SpecVersions: []string{bundle.CNABSpecVersion, "cnab-claims-1.0.0"},
		Capabilities: []string{"command-driver", "custom-actions", "claims", "outputs", "parameter-validation"},
	}
}

// runtime is a minimal CNAB runtime made of cnab-go's packages.
type runtime struct {
	// lookup resolves a driver name; cnab-go's lookup.Lookup in production.
	lookup func(name string) (driver.Driver, error)
	// logs receives the invocation image's stdout and stderr (never the
	// adapter's stdout, which carries only the response).
	logs io.Writer
}

func newRuntime() runtime {
	return runtime{lookup: lookup.Lookup, logs: os.Stderr}
}

// adapterError is a fault of the adapter or its environment, answered with
// the protocol's error payload rather than an outcome.
type adapterError struct{ msg string }

func (e adapterError) Error() string { return e.msg }

func refused(format string, args ...interface{}) runResponse {
	return runResponse{
		Protocol: protocolID,
		Outcome:  outcomeRefused,
		Message:  joinMessage(fmt.Sprintf(format, args...)),
	}
}

func joinMessage(parts ...string) string {
	kept := make([]string, 0, len(parts)+1)
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	kept = append(kept, leftToRuntime)
	return strings.Join(kept, "; ")
}

// run performs one action the way a cnab-go runtime does: read and validate
// the bundle, resolve parameters with cnab-go's defaults and validation,
// derive the claim from the installation's last one, hand it to
// action.Run with the looked-up driver, and store the claim and result.
func (rt runtime) run(req runRequest) (runResponse, error) {
	data, err := os.ReadFile(req.Bundle)
	if err != nil {
		return runResponse{}, adapterError{fmt.Sprintf("cannot read the bundle: %v", err)}
	}
	bun, err := bundle.Unmarshal(data)
	if err != nil {
		return refused("cnab-go cannot read the bundle: %v", err), nil
	}
	if err := bun.Validate(); err != nil {
		return refused("invalid bundle: %v", err), nil
	}

	st := newStore(req.Workdir, req.Installation)
	last, err := st.lastClaim()
	if err != nil {
		return runResponse{}, adapterError{err.Error()}
	}

	params := req.Parameters
	if params == nil {
		params = map[string]interface{}{}
	}
	values, err := bundle.ValuesOrDefaults(params, bun, req.Action)
	if err != nil {
		return refused("%v", err), nil
	}

	var c claim.Claim
	if last != nil {
		c, err = last.NewClaim(req.Action, *bun, values)
	} else {
		c, err = claim.New(req.Installation, req.Action, *bun, values)
	}
	if err != nil {
		return refused("%v", err), nil
	}

	d, err := rt.lookup(req.Driver.Name)
	if err != nil {
		return runResponse{}, adapterError{fmt.Sprintf("cnab-go finds no driver %q: %v", req.Driver.Name, err)}
	}

	creds := valuesource.Set{}
	for k, v := range req.Credentials {
		creds[k] = v
	}
	logs := func(op *driver.Operation) error {
		op.Out = rt.logs
		op.Err = rt.logs
		return nil
	}
	opResult, result, err := action.New(d).Run(c, creds, logs)
	if err != nil {
		// action.Run returns an error only when it did not run the image;
		// its doc leaves nothing to persist then.
		return refused("%v", err), nil
	}

	resp := runResponse{Protocol: protocolID, Outcome: outcomeSucceeded, Outputs: opResult.Outputs}
	var failure string
	if opResult.Error != nil {
		resp.Outcome = outcomeFailed
		failure = opResult.Error.Error()
	}
	if resp.Outputs == nil {
		resp.Outputs = map[string]string{}
	}
	if resp.Claim, err = st.save(kindClaims, c.ID, c); err != nil {
		return runResponse{}, adapterError{fmt.Sprintf("cannot store the claim: %v", err)}
	}
	if resp.Result, err = st.save(kindResults, result.ID, result); err != nil {
		return runResponse{}, adapterError{fmt.Sprintf("cannot store the claim result: %v", err)}
	}
	resp.Message = joinMessage(failure)
	return resp, nil
}

// claims lists what the store holds for one installation.
func claims(req installationRequest) (claimsResponse, error) {
	st := newStore(req.Workdir, req.Installation)
	cs, err := st.list(kindClaims)
	if err != nil {
		return claimsResponse{}, err
	}
	rs, err := st.list(kindResults)
	if err != nil {
		return claimsResponse{}, err
	}
	return claimsResponse{Protocol: protocolID, Claims: cs, Results: rs}, nil
}
