package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// call runs one verb through serve and decodes the single JSON object it
// must write.
func call(t *testing.T, rt runtime, verb, request string) map[string]interface{} {
	t.Helper()
	var out bytes.Buffer
	if code := serve([]string{verb}, strings.NewReader(request), &out, rt); code != 0 {
		t.Fatalf("%s exited %d", verb, code)
	}
	dec := json.NewDecoder(&out)
	var resp map[string]interface{}
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("%s wrote no JSON object: %v", verb, err)
	}
	if dec.More() {
		t.Fatalf("%s wrote more than one JSON value", verb)
	}
	if resp["protocol"] != protocolID {
		t.Fatalf("%s answered protocol %v", verb, resp["protocol"])
	}
	return resp
}

func TestInfoDeclaresCnabGoAndTheCommandDriver(t *testing.T) {
	resp := call(t, newRuntime(), "info", `{"protocol":"cnab-conformance-adapter/1"}`)
	if resp["name"] != "cnab-go" {
		t.Errorf("name = %v", resp["name"])
	}
	caps, _ := resp["capabilities"].([]interface{})
	found := false
	for _, c := range caps {
		if c == "command-driver" {
			found = true
		}
		if c == "docker-driver" {
			t.Errorf("docker-driver declared, but the Docker path is not wired")
		}
	}
	if !found {
		t.Errorf("command-driver not declared: %v", caps)
	}
	specs, _ := resp["spec_versions"].([]interface{})
	if len(specs) == 0 || specs[0] != "cnab-core-1.2.0" {
		t.Errorf("spec_versions = %v", specs)
	}
}

func TestFaultsAreErrorPayloadsWithExitZero(t *testing.T) {
	for _, tc := range []struct {
		name, verb, request, want string
	}{
		{"garbage", "info", `not json`, "not a JSON object"},
		{"empty", "claims", ``, "not a JSON object"},
		{"no protocol", "info", `{}`, "names no protocol"},
		{"other protocol", "info", `{"protocol":"cnab-conformance-adapter/2"}`, "cnab-conformance-adapter/2"},
		{"unknown verb", "status", `{"protocol":"cnab-conformance-adapter/1"}`, `unknown verb "status"`},
		{"wrong field type", "run", `{"protocol":"cnab-conformance-adapter/1","parameters":[]}`, "does not match its verb"},
		{"run without workdir", "run", `{"protocol":"cnab-conformance-adapter/1","bundle":"/b","action":"install","installation":"i","driver":{"name":"x"}}`, "no workdir"},
		{"claims without installation", "claims", `{"protocol":"cnab-conformance-adapter/1","workdir":"/w"}`, "no installation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := call(t, newRuntime(), tc.verb, tc.request)
			msg, _ := resp["error"].(string)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error = %q, want it to mention %q", msg, tc.want)
			}
		})
	}
}

func TestUnknownRequestFieldsAreIgnored(t *testing.T) {
	resp := call(t, newRuntime(), "info", `{"protocol":"cnab-conformance-adapter/1","later":{"x":1}}`)
	if _, isErr := resp["error"]; isErr {
		t.Fatalf("unknown field rejected: %v", resp)
	}
}

func TestRuntimeArgumentsAreRefused(t *testing.T) {
	var out bytes.Buffer
	serve([]string{"--verbose", "info"}, strings.NewReader(`{"protocol":"cnab-conformance-adapter/1"}`), &out, newRuntime())
	if !strings.Contains(out.String(), `"error"`) {
		t.Fatalf("runtime arguments accepted: %s", out.String())
	}
}
