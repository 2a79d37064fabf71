// Command cnab-go-adapter lets cnab-conformance drive the cnab-go library.
//
// It speaks the adapter protocol cnab-conformance-adapter/1
// (docs/adapter-protocol.md): `cnab-go-adapter <verb>` with one JSON request
// on stdin and one JSON response on stdout. The runtime behind it is made
// only of cnab-go's packages; see README.md for what cnab-go leaves to a
// runtime and this adapter leaves undone on purpose.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(serve(os.Args[1:], os.Stdin, os.Stdout, newRuntime()))
}

// serve answers one call. It returns 0 whenever a response was written,
// including the error payload; 1 only when stdout cannot be written.
func serve(args []string, stdin io.Reader, stdout io.Writer, rt runtime) int {
	resp := respond(args, stdin, rt)
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(errorResponse{Protocol: protocolID, Error: fmt.Sprintf("cannot encode the response: %v", err)})
	}
	b = append(b, '\n')
	if _, err := stdout.Write(b); err != nil {
		fmt.Fprintf(os.Stderr, "cnab-go-adapter: cannot write the response: %v\n", err)
		return 1
	}
	return 0
}

func fault(err error) errorResponse {
	return errorResponse{Protocol: protocolID, Error: err.Error()}
}

// respond maps a verb and its request to the response object.
func respond(args []string, stdin io.Reader, rt runtime) interface{} {
	// The protocol asks to read stdin to the end whatever the verb.
	data, err := io.ReadAll(stdin)
	if err != nil {
		return fault(fmt.Errorf("cannot read the request: %v", err))
	}
	if len(args) != 1 {
		return fault(fmt.Errorf("usage: cnab-go-adapter info|run|claims|cleanup (takes no runtime arguments), got %q", args))
	}
	switch verb := args[0]; verb {
	case "info":
		if err := decodeRequest(data, &struct{}{}); err != nil {
			return fault(err)
		}
		return info()
	case "run":
		var req runRequest
		if err := decodeRequest(data, &req); err != nil {
			return fault(err)
		}
		if err := req.check(); err != nil {
			return fault(err)
		}
		resp, err := rt.run(req)
		if err != nil {
			return fault(err)
		}
		return resp
	case "claims", "cleanup":
		var req installationRequest
		if err := decodeRequest(data, &req); err != nil {
			return fault(err)
		}
		if err := req.check(); err != nil {
			return fault(err)
		}
		if verb == "cleanup" {
			if err := newStore(req.Workdir, req.Installation).forget(); err != nil {
				return fault(err)
			}
			return bareResponse{Protocol: protocolID}
		}
		resp, err := claims(req)
		if err != nil {
			return fault(err)
		}
		return resp
	default:
		return fault(fmt.Errorf("unknown verb %q", verb))
	}
}
