package gateway

import (
	"net/http"
	"regexp"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// streamRoutes tells the REST routes of server-streaming methods (watches)
// from the others, from the google.api.http annotations of the Landlord
// services in files: the limits count streams apart from unary requests.
func streamRoutes(files *protoregistry.Files) func(*http.Request) bool {
	type route struct {
		method string
		path   *regexp.Regexp
	}
	var routes []route
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "landlord.") {
			return true
		}
		for i := range fd.Services().Len() {
			methods := fd.Services().Get(i).Methods()
			for j := range methods.Len() {
				m := methods.Get(j)
				if !m.IsStreamingServer() {
					continue
				}
				rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					if method, path := httpRule(r); path != "" {
						routes = append(routes, route{method, templateRegexp(path)})
					}
				}
			}
		}
		return true
	})
	return func(r *http.Request) bool {
		for _, rt := range routes {
			if r.Method == rt.method && rt.path.MatchString(r.URL.Path) {
				return true
			}
		}
		return false
	}
}

// httpRule is a rule's HTTP method and path template.
func httpRule(r *annotations.HttpRule) (method, path string) {
	switch {
	case r.GetGet() != "":
		return http.MethodGet, r.GetGet()
	case r.GetPost() != "":
		return http.MethodPost, r.GetPost()
	case r.GetPut() != "":
		return http.MethodPut, r.GetPut()
	case r.GetPatch() != "":
		return http.MethodPatch, r.GetPatch()
	case r.GetDelete() != "":
		return http.MethodDelete, r.GetDelete()
	case r.GetCustom() != nil:
		return r.GetCustom().GetKind(), r.GetCustom().GetPath()
	}
	return "", ""
}

// templateRegexp matches the paths of a google.api.http path template:
// "{tenant}" is one segment, "{name=tenants/*}" its pattern, "**" any
// number of segments.
func templateRegexp(template string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for rest := template; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:open]))
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 { // not a valid template: match it literally
			b.WriteString(regexp.QuoteMeta(rest[open:]))
			break
		}
		variable := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		_, pattern, ok := strings.Cut(variable, "=")
		if !ok {
			pattern = "*"
		}
		for i, seg := range strings.Split(pattern, "/") {
			if i > 0 {
				b.WriteString("/")
			}
			switch seg {
			case "*":
				b.WriteString("[^/]+")
			case "**":
				b.WriteString(".*")
			default:
				b.WriteString(regexp.QuoteMeta(seg))
			}
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
