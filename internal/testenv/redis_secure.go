package testenv

import (
	"context"
	"crypto/tls"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisSecurity is how StartSecureRedis secures a redis-server.
type RedisSecurity struct {
	// CA, when set, makes the server speak TLS only (no plaintext port)
	// with a certificate from CA.
	CA *CA
	// ClientCert, with CA, requires clients to present a certificate from
	// CA (tls-auth-clients yes); otherwise client certificates are not
	// asked for.
	ClientCert bool
	// User and Password, when set, add an ACL user that may run every
	// command on keys matching KeyPattern, and turn the default user off,
	// so every connection must authenticate.
	User, Password string
	// KeyPattern limits User's keys; default "*".
	KeyPattern string
}

// SecureRedis is a redis-server started with TLS, ACL or both.
type SecureRedis struct {
	*Redis
	Security RedisSecurity
	// Client is a TLS certificate for connecting when ClientCert is set.
	ClientPair KeyPair
}

// StartSecureRedis starts redis-server on a free loopback port secured as
// sec says, waits until it answers an authenticated PING, and stops it when
// the test ends.
func StartSecureRedis(t testing.TB, sec RedisSecurity) *SecureRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (the README's test command installs it): %v", err)
	}
	port := FreePort(t)
	dir := t.TempDir()
	args := []string{bin, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}
	s := &SecureRedis{Security: sec}
	if sec.CA != nil {
		server := sec.CA.Server("redis-server")
		auth := "no"
		if sec.ClientCert {
			auth = "yes"
			s.ClientPair = sec.CA.Client("redis-client")
		}
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", server.CertFile, "--tls-key-file", server.KeyFile,
			"--tls-ca-cert-file", sec.CA.CertFile, "--tls-auth-clients", auth)
	} else {
		args = append(args, "--port", strconv.Itoa(port))
	}
	if sec.User != "" {
		pattern := sec.KeyPattern
		if pattern == "" {
			pattern = "*"
		}
		args = append(args, "--user", sec.User, "on", ">"+sec.Password, "~"+pattern, "+@all",
			"--user", "default", "off")
	}
	s.Redis = &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, t: t, args: args}
	s.Redis.cmd = exec.Command(args[0], args[1:]...)
	if err := s.Redis.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	s.Redis.watch()
	t.Cleanup(s.Redis.Stop)
	client := redis.NewClient(s.Options())
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v\n%s", s.Addr, err, s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Options are client options that pass the server's security.
func (s *SecureRedis) Options() *redis.Options {
	opts := &redis.Options{Addr: s.Addr, Username: s.Security.User, Password: s.Security.Password, MaxRetries: -1}
	if s.Security.CA != nil {
		opts.TLSConfig = s.Security.CA.ClientTLS()
		if s.Security.ClientCert {
			opts.TLSConfig.Certificates = []tls.Certificate{s.ClientPair.Certificate}
		}
	}
	return opts
}

// URL is the server's URL without credentials: rediss:// with TLS.
func (s *SecureRedis) URL() string {
	if s.Security.CA != nil {
		return "rediss://" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}
