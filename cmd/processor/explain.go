package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/s321/s321/internal/app"
)

// runExplain is `processor explain PARCEL_ID`: it asks a running processor
// why the parcel got its decision and prints the answer for a person.
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http-addr", "127.0.0.1:8080", "the --http-addr of the running processor")
	asJSON := fs.Bool("json", false, "print the explanation as JSON (GET /v1/parcels/{id})")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: processor explain [--http-addr HOST:PORT] [--json] PARCEL_ID")
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+*addr+"/v1/parcels/"+url.PathEscape(fs.Arg(0)), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask the processor at %s: %w", *addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("%s: %s", resp.Status, e.Error)
	}
	if *asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var exp app.Explanation
	if err := json.Unmarshal(body, &exp); err != nil {
		return fmt.Errorf("read the explanation: %w", err)
	}
	return exp.WriteText(stdout)
}
