package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnabio/cnab-go/driver"
)

// fakeDriver stands in for the command driver: it records operations and
// answers as told. cnab-go's action package still does everything else.
type fakeDriver struct {
	ops     []driver.Operation
	outputs map[string]string
	fail    error
}

func (f *fakeDriver) Handles(imageType string) bool { return imageType == "docker" }

func (f *fakeDriver) Run(op *driver.Operation) (driver.OperationResult, error) {
	f.ops = append(f.ops, *op)
	if f.fail != nil {
		return driver.OperationResult{}, f.fail
	}
	return driver.OperationResult{Outputs: f.outputs}, nil
}

const testBundle = `{"schemaVersion":"v1.2.0","name":"b","version":"1.0.0",
 "invocationImages":[{"image":"example/b:1.0.0","imageType":"docker"}],
 "definitions":{"s":{"type":"string","default":"dflt"},"n":{"type":"integer"}},
 "parameters":{"greeting":{"definition":"s","destination":{"env":"GREETING"}},
               "count":{"definition":"n","destination":{"env":"COUNT"}}},
 "actions":{"status":{"modifies":false}},
 "outputs":{"o":{"definition":"s","path":"/cnab/app/outputs/o"}}}`

type fixture struct {
	t      *testing.T
	dir    string
	bundle string
	fake   *fakeDriver
	rt     runtime
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(bundle, []byte(testBundle), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := &fakeDriver{outputs: map[string]string{"o": "value"}}
	rt := runtime{
		lookup: func(name string) (driver.Driver, error) {
			if name != "fake" {
				return nil, errors.New("no such driver")
			}
			return fake, nil
		},
		logs: io.Discard,
	}
	return &fixture{t: t, dir: dir, bundle: bundle, fake: fake, rt: rt}
}

func (f *fixture) run(action string, params map[string]interface{}) runResponse {
	f.t.Helper()
	resp, err := f.rt.run(runRequest{
		Protocol: protocolID, Bundle: f.bundle, Action: action, Installation: "demo",
		Parameters: params, Driver: driverInfo{Name: "fake"}, Workdir: f.dir,
	})
	if err != nil {
		f.t.Fatalf("%s: adapter fault: %v", action, err)
	}
	return resp
}

func (f *fixture) stored() claimsResponse {
	f.t.Helper()
	resp, err := claims(installationRequest{Protocol: protocolID, Installation: "demo", Workdir: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

func field(t *testing.T, doc json.RawMessage, key string) interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}

func TestInstallStoresTheClaimAndResultItReports(t *testing.T) {
	f := newFixture(t)
	resp := f.run("install", map[string]interface{}{"count": float64(3)})
	if resp.Outcome != outcomeSucceeded {
		t.Fatalf("outcome %s: %s", resp.Outcome, resp.Message)
	}
	if resp.Outputs["o"] != "value" {
		t.Errorf("outputs = %v", resp.Outputs)
	}
	env := f.fake.ops[0].Environment
	if env["GREETING"] != "dflt" || env["COUNT"] != "3" || env["CNAB_ACTION"] != "install" {
		t.Errorf("environment = %v", env)
	}
	got := f.stored()
	if len(got.Claims) != 1 || len(got.Results) != 1 {
		t.Fatalf("stored %d claims, %d results", len(got.Claims), len(got.Results))
	}
	if string(got.Claims[0]) != string(resp.Claim) || string(got.Results[0]) != string(resp.Result) {
		t.Errorf("run and claims report different documents")
	}
	if field(t, resp.Result, "claimId") != field(t, resp.Claim, "id") {
		t.Errorf("result does not point at the claim")
	}
	if field(t, resp.Result, "status") != "succeeded" {
		t.Errorf("result status = %v", field(t, resp.Result, "status"))
	}
	if !strings.Contains(resp.Message, "left to the runtime by cnab-go") {
		t.Errorf("message does not say what cnab-go leaves to the runtime: %q", resp.Message)
	}
}

func TestLaterActionsContinueTheInstallationsRevisions(t *testing.T) {
	f := newFixture(t)
	f.run("install", nil)
	f.run("status", nil)
	f.run("upgrade", nil)
	if len(f.fake.ops) != 3 {
		t.Fatalf("ran %d operations", len(f.fake.ops))
	}
	install, status, upgrade := f.fake.ops[0].Revision, f.fake.ops[1].Revision, f.fake.ops[2].Revision
	if status != install {
		t.Errorf("a non-modifying action changed the revision: %s then %s", install, status)
	}
	if upgrade == install {
		t.Errorf("upgrade kept revision %s", install)
	}
	if n := len(f.stored().Claims); n != 3 {
		t.Errorf("stored %d claims", n)
	}
}

func TestCnabGoRefusalsRunNothingAndStoreNothing(t *testing.T) {
	for _, tc := range []struct {
		name, action string
		params       map[string]interface{}
		want         string
	}{
		{"undeclared action", "explode", nil, "explode"},
		{"invalid parameter value", "install", map[string]interface{}{"count": "three"}, "count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			resp := f.run(tc.action, tc.params)
			if resp.Outcome != outcomeRefused {
				t.Fatalf("outcome %s: %s", resp.Outcome, resp.Message)
			}
			if !strings.Contains(resp.Message, tc.want) {
				t.Errorf("message %q lacks %q", resp.Message, tc.want)
			}
			if len(f.fake.ops) != 0 {
				t.Errorf("the driver ran")
			}
			if got := f.stored(); len(got.Claims)+len(got.Results) != 0 {
				t.Errorf("stored records after a refusal")
			}
		})
	}
}

func TestADriverFailureIsAFailedResult(t *testing.T) {
	f := newFixture(t)
	f.fake.fail = errors.New("exit status 3")
	resp := f.run("install", nil)
	if resp.Outcome != outcomeFailed {
		t.Fatalf("outcome %s", resp.Outcome)
	}
	if !strings.Contains(resp.Message, "exit status 3") {
		t.Errorf("message = %q", resp.Message)
	}
	if field(t, f.stored().Results[0], "status") != "failed" {
		t.Errorf("stored result is not failed")
	}
}

func TestCleanupForgetsTheInstallation(t *testing.T) {
	f := newFixture(t)
	f.run("install", nil)
	req := `{"protocol":"cnab-conformance-adapter/1","installation":"demo","workdir":` + jsonString(f.dir) + `}`
	call(t, f.rt, "cleanup", req)
	resp := call(t, f.rt, "claims", req)
	cs, _ := resp["claims"].([]interface{})
	rs, _ := resp["results"].([]interface{})
	if cs == nil || rs == nil || len(cs)+len(rs) != 0 {
		t.Fatalf("after cleanup: %v", resp)
	}
}

func TestAMissingDriverIsAnAdapterFault(t *testing.T) {
	f := newFixture(t)
	_, err := f.rt.run(runRequest{
		Protocol: protocolID, Bundle: f.bundle, Action: "install", Installation: "demo",
		Driver: driverInfo{Name: "absent"}, Workdir: f.dir,
	})
	if err == nil || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("err = %v", err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
