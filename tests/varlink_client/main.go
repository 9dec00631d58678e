// An independent Varlink client for askpw's tests, built on the varlink
// project's reference Go library (Debian's golang-github-varlink-go-dev): it
// speaks to `askpw varlink` the way any Varlink caller would, and parses the
// interface description with the library's own IDL parser. Prints one JSON
// object; exit status 0 when the call got a reply, 1 on a Varlink error, 2
// when the connection failed.
//
// Usage:
//
//	varlink-client SOCKET info
//	varlink-client SOCKET describe INTERFACE
//	varlink-client SOCKET call METHOD PARAMETERS-JSON
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/varlink/go/varlink"
	"github.com/varlink/go/varlink/idl"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: varlink-client SOCKET info|describe INTERFACE|call METHOD JSON")
		os.Exit(2)
	}
	ctx := context.Background()
	connection, err := varlink.NewConnection(ctx, "unix:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(2)
	}
	defer connection.Close()
	switch os.Args[2] {
	case "info":
		var vendor, product, version, url string
		var interfaces []string
		if err := connection.GetInfo(ctx, &vendor, &product, &version, &url, &interfaces); err != nil {
			fail(err)
		}
		print(map[string]interface{}{
			"vendor": vendor, "product": product, "version": version, "url": url, "interfaces": interfaces,
		})
	case "describe":
		description, err := connection.GetInterfaceDescription(ctx, os.Args[3])
		if err != nil {
			fail(err)
		}
		// The library (0.4.0) predates interface names with capitals, which
		// systemd's have (io.systemd.AskPassword): it parses everything else.
		parsed, err := idl.New(lowercaseInterfaceName(description))
		if err != nil {
			print(map[string]interface{}{"parseError": err.Error()})
			os.Exit(1)
		}
		methods := map[string]interface{}{}
		for _, method := range parsed.Methods {
			methods[method.Name] = map[string]interface{}{"in": fields(method.In), "out": fields(method.Out)}
		}
		var errors []string
		for _, e := range parsed.Errors {
			errors = append(errors, e.Name)
		}
		var aliases []string
		for _, a := range parsed.Aliases {
			aliases = append(aliases, a.Name)
		}
		print(map[string]interface{}{
			"name": parsed.Name, "methods": methods, "errors": errors, "types": aliases, "description": description,
		})
	case "call":
		var parameters json.RawMessage = json.RawMessage(os.Args[4])
		var out json.RawMessage
		if err := connection.Call(ctx, os.Args[3], &parameters, &out); err != nil {
			fail(err)
		}
		print(map[string]interface{}{"parameters": out})
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[2])
		os.Exit(2)
	}
}

func lowercaseInterfaceName(description string) string {
	lines := strings.Split(description, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "interface ") {
			lines[i] = strings.ToLower(line)
			break
		}
	}
	return strings.Join(lines, "\n")
}

func fields(t *idl.Type) []string {
	var names []string
	if t == nil {
		return names
	}
	for _, field := range t.Fields {
		names = append(names, field.Name)
	}
	return names
}

func fail(err error) {
	if e, ok := err.(*varlink.Error); ok {
		var parameters interface{}
		if raw, ok := e.Parameters.(*json.RawMessage); ok && raw != nil {
			json.Unmarshal(*raw, &parameters)
		}
		print(map[string]interface{}{"error": e.Name, "parameters": parameters})
		os.Exit(1)
	}
	// The library turns org.varlink.service errors into typed values whose
	// fields are the error's parameters.
	var parameters interface{}
	switch err.(type) {
	case *varlink.InterfaceNotFound, *varlink.MethodNotFound, *varlink.MethodNotImplemented,
		*varlink.InvalidParameter:
		bytes, _ := json.Marshal(err)
		json.Unmarshal(bytes, &parameters)
		print(map[string]interface{}{"error": err.Error(), "parameters": parameters})
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "call:", err)
	os.Exit(2)
}

func print(value interface{}) {
	bytes, _ := json.Marshal(value)
	fmt.Println(string(bytes))
}
