package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

// protocolID is the adapter protocol this program speaks
// (docs/adapter-protocol.md).
const protocolID = "cnab-conformance-adapter/1"

// infoResponse answers the `info` verb.
type infoResponse struct {
	Protocol     string   `json:"protocol"`
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	SpecVersions []string `json:"spec_versions"`
	Capabilities []string `json:"capabilities"`
}

// driverInfo names the command driver the suite provides.
type driverInfo struct {
	Name string            `json:"name"`
	Path string            `json:"path"`
	Env  map[string]string `json:"env"`
}

// runRequest asks for one action on one installation.
type runRequest struct {
	Protocol     string                 `json:"protocol"`
	Bundle       string                 `json:"bundle"`
	Action       string                 `json:"action"`
	Installation string                 `json:"installation"`
	Parameters   map[string]interface{} `json:"parameters"`
	Credentials  map[string]string      `json:"credentials"`
	Driver       driverInfo             `json:"driver"`
	Workdir      string                 `json:"workdir"`
}

// Outcomes of a run, as the protocol spells them.
const (
	outcomeSucceeded = "succeeded"
	outcomeFailed    = "failed"
	outcomeRefused   = "refused"
)

// runResponse says what cnab-go did with a runRequest. Claim and Result are
// the bytes stored on disk, so `run` and `claims` report identical documents.
type runResponse struct {
	Protocol string            `json:"protocol"`
	Outcome  string            `json:"outcome"`
	Message  string            `json:"message"`
	Claim    json.RawMessage   `json:"claim,omitempty"`
	Result   json.RawMessage   `json:"result,omitempty"`
	Outputs  map[string]string `json:"outputs,omitempty"`
}

// installationRequest is the request of `claims` and `cleanup`.
type installationRequest struct {
	Protocol     string `json:"protocol"`
	Installation string `json:"installation"`
	Workdir      string `json:"workdir"`
}

// claimsResponse lists every stored claim and result, oldest first.
type claimsResponse struct {
	Protocol string            `json:"protocol"`
	Claims   []json.RawMessage `json:"claims"`
	Results  []json.RawMessage `json:"results"`
}

// bareResponse answers `cleanup`.
type bareResponse struct {
	Protocol string `json:"protocol"`
}

// errorResponse is the payload for a fault of the adapter itself, never for
// a runtime that refused or failed an action.
type errorResponse struct {
	Protocol string `json:"protocol"`
	Error    string `json:"error"`
}

// protocolHeader is the part every request shares.
type protocolHeader struct {
	Protocol *string `json:"protocol"`
}

// decodeRequest reads one request into v after checking that it is a JSON
// object speaking this protocol. Unknown fields are ignored, as the
// protocol asks of readers.
func decodeRequest(data []byte, v interface{}) error {
	var head protocolHeader
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("request is not a JSON object: %v", err)
	}
	if head.Protocol == nil {
		return errors.New("request names no protocol")
	}
	if *head.Protocol != protocolID {
		return fmt.Errorf("request speaks protocol %q, this adapter speaks %q", *head.Protocol, protocolID)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("request does not match its verb: %v", err)
	}
	return nil
}

// check reports the first required field a run request lacks.
func (r runRequest) check() error {
	switch {
	case r.Bundle == "":
		return errors.New("run request has no bundle")
	case r.Action == "":
		return errors.New("run request has no action")
	case r.Installation == "":
		return errors.New("run request has no installation")
	case r.Driver.Name == "":
		return errors.New("run request names no driver")
	case r.Workdir == "":
		return errors.New("run request has no workdir")
	}
	return nil
}

// check reports the first required field an installation request lacks.
func (r installationRequest) check() error {
	switch {
	case r.Installation == "":
		return errors.New("request has no installation")
	case r.Workdir == "":
		return errors.New("request has no workdir")
	}
	return nil
}
