package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Regression: /v1 queries were served without bound, each one a Redis
// read; a burst of them tied up Redis and the process. At most n are
// served at once; more are answered 503 at once, the probes never.
func TestLimitQueriesServesAtMostNAtOnce(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := limitQueries(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/slow" {
			entered <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusOK)
	}))
	done := make(chan int, 2)
	for range 2 {
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/slow", nil))
			done <- rec.Code
		}()
		<-entered
	}
	for path, want := range map[string]int{"/v1/alerts": http.StatusServiceUnavailable, "/healthz": http.StatusOK, "/metrics": http.StatusOK} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("%s with 2 queries in flight: %d, want %d", path, rec.Code, want)
		}
		if want == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", path)
		}
	}
	close(release)
	for range 2 {
		if code := <-done; code != http.StatusOK {
			t.Errorf("a query in flight: %d", code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/alerts", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after they finished: %d, want 200", rec.Code)
	}
}
