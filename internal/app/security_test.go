package app_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/broker"
	"github.com/s321/s321/internal/testenv"
)

// observedLogger logs to the test and keeps every entry for inspection.
func observedLogger(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(zapcore.NewTee(zaptest.NewLogger(t).Core(), core)), logs
}

// logText is every entry with its fields, as one string.
func logText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		fmt.Fprintf(&b, "%s %v\n", e.Message, e.ContextMap())
	}
	return b.String()
}

// TestRedisTLSAndACL runs the processor against a redis-server that speaks
// TLS only, requires a client certificate, and lets in one ACL user limited
// to the processor's keys: the contract's example stream must come out
// right, and the password must appear in no log line.
func TestRedisTLSAndACL(t *testing.T) {
	ca := testenv.NewCA(t)
	const password = "redis-acl-password-0123"
	server := testenv.StartSecureRedis(t, testenv.RedisSecurity{
		CA: ca, ClientCert: true, User: "s321", Password: password, KeyPattern: "s321*",
	})
	cfg := testConfig(server.URL())
	cfg.RedisUsername, cfg.RedisPassword = "s321", password
	cfg.RedisTLS = app.TLSFiles{CAFile: ca.CertFile, CertFile: server.ClientPair.CertFile, KeyFile: server.ClientPair.KeyFile}
	log, logs := observedLogger(t)
	a := runApp(t, cfg, log)

	dir := testenv.ContractExamples(t)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, testenv.ReadTSV(t, filepath.Join(dir, "input.tsv")))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	testenv.CheckContractExamples(t, dir, testenv.Outputs{
		Cleared: values(k, cfg.Topics.Cleared), Formal: values(k, cfg.Topics.Formal),
		Alerts: values(k, cfg.Topics.Alerts), DLQ: values(k, cfg.Topics.DLQ),
	})
	text := logText(logs)
	if strings.Contains(text, password) {
		t.Errorf("a log line shows the Redis password:\n%s", text)
	}
	if !strings.Contains(text, `tls:true`) || !strings.Contains(text, `username:s321`) {
		t.Errorf("the store's log line does not say TLS and the user:\n%s", text)
	}
}

func values(k *testenv.Kafka, topic string) [][]byte {
	var out [][]byte
	for _, rec := range k.ReadAll(topic) {
		out = append(out, rec.Value)
	}
	return out
}

// TestRedisSecurityRefusals opens the store against secured servers with
// one thing wrong at a time: each must fail to answer PING.
func TestRedisSecurityRefusals(t *testing.T) {
	ca := testenv.NewCA(t)
	const password = "redis-acl-password-0123"
	tlsServer := testenv.StartSecureRedis(t, testenv.RedisSecurity{CA: ca, ClientCert: true, User: "s321", Password: password})
	aclServer := testenv.StartSecureRedis(t, testenv.RedisSecurity{User: "s321", Password: password})
	client := tlsServer.ClientPair
	tests := []struct {
		name   string
		change func(*app.Config)
		ok     bool
	}{
		{"TLS, client certificate and ACL", func(c *app.Config) {
			c.RedisURL = "rediss://s321:" + password + "@" + tlsServer.Addr + "/0"
			c.RedisTLS = app.TLSFiles{CAFile: ca.CertFile, CertFile: client.CertFile, KeyFile: client.KeyFile}
		}, true},
		{"password from the configuration replaces the URL's", func(c *app.Config) {
			c.RedisURL = "rediss://s321:wrong@" + tlsServer.Addr + "/0"
			c.RedisPassword = password
			c.RedisTLS = app.TLSFiles{CAFile: ca.CertFile, CertFile: client.CertFile, KeyFile: client.KeyFile}
		}, true},
		{"no client certificate", func(c *app.Config) {
			c.RedisURL = "rediss://s321:" + password + "@" + tlsServer.Addr + "/0"
			c.RedisTLS = app.TLSFiles{CAFile: ca.CertFile}
		}, false},
		{"server certificate not trusted", func(c *app.Config) {
			c.RedisURL = "rediss://s321:" + password + "@" + tlsServer.Addr + "/0"
			c.RedisTLS = app.TLSFiles{CertFile: client.CertFile, KeyFile: client.KeyFile}
		}, false},
		{"plaintext to the TLS port", func(c *app.Config) {
			c.RedisURL = "redis://s321:" + password + "@" + tlsServer.Addr + "/0"
		}, false},
		{"ACL user and password in the URL", func(c *app.Config) {
			c.RedisURL = "redis://s321:" + password + "@" + aclServer.Addr + "/0"
		}, true},
		{"ACL user from the configuration", func(c *app.Config) {
			c.RedisURL = aclServer.URL()
			c.RedisUsername, c.RedisPassword = "s321", password
		}, true},
		{"wrong password", func(c *app.Config) {
			c.RedisURL = "redis://s321:not-it@" + aclServer.Addr + "/0"
		}, false},
		{"no credentials: the default user is off", func(c *app.Config) {
			c.RedisURL = aclServer.URL()
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := app.DefaultConfig()
			tc.change(&cfg)
			log, logs := observedLogger(t)
			rdb, closeStore, err := app.OpenStore(cfg, log)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = closeStore() }()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			err = rdb.Ping(ctx).Err()
			if tc.ok && err != nil {
				t.Errorf("PING: %v", err)
			}
			if !tc.ok && err == nil {
				t.Error("PING answered; want a refusal")
			}
			if text := logText(logs); strings.Contains(text, password) {
				t.Errorf("a log line shows the password:\n%s", text)
			}
		})
	}
}

// secureKafka is a test client of a broker with TLS and SASL.
type secureKafka struct {
	brokers   []string
	dialer    *kafka.Dialer
	transport *kafka.Transport
}

func (k secureKafka) produce(t *testing.T, topic string, msgs []testenv.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(k.brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, Transport: k.transport}
	defer w.Close()
	batch := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		batch[i] = kafka.Message{Key: m.Key, Value: m.Value}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, batch...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// read returns every value of topic, partition by partition.
func (k secureKafka) read(t *testing.T, topic string) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(k.brokers...), Transport: k.transport}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 {
		t.Fatalf("metadata of %s: %v", topic, err)
	}
	var requests []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		requests = append(requests, kafka.LastOffsetOf(p.ID))
	}
	offsets, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: requests}})
	if err != nil {
		t.Fatalf("offsets of %s: %v", topic, err)
	}
	parts := offsets.Topics[topic]
	sort.Slice(parts, func(i, j int) bool { return parts[i].Partition < parts[j].Partition })
	var out [][]byte
	for _, p := range parts {
		if p.LastOffset == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.brokers, Topic: topic, Partition: p.Partition, Dialer: k.dialer, MaxWait: 50 * time.Millisecond})
		for {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s/%d: %v", topic, p.Partition, err)
			}
			out = append(out, m.Value)
			if m.Offset+1 >= p.LastOffset {
				break
			}
		}
		r.Close()
	}
	return out
}

// TestKafkaTLSAndSASL runs the processor against the embedded broker
// started with TLS (client certificates required) and SASL, once per
// mechanism: the consumer group, the partition readers, the producer and
// the admin client (topic creation) all have to get in for the contract's
// example stream to come out right.
func TestKafkaTLSAndSASL(t *testing.T) {
	ca := testenv.NewCA(t)
	serverPair := ca.Server("kafka")
	clientPair := ca.Client("s321-processor")
	const user, password = "s321", "kafka-sasl-password-0123"
	for _, mechanism := range []string{broker.MechanismPlain, broker.MechanismScramSHA256, broker.MechanismScramSHA512} {
		t.Run(mechanism, func(t *testing.T) {
			b, err := broker.Start(broker.Config{
				Addr: "127.0.0.1:0",
				TLS: &tls.Config{Certificates: []tls.Certificate{serverPair.Certificate}, ClientCAs: ca.Pool,
					ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
				Users: []broker.User{{Mechanism: mechanism, Name: user, Password: password}},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)

			cfg := testConfig("")
			cfg.Brokers = []string{b.Addr()}
			cfg.RecipientKeySecret = "kafka-security-test-secret-0123"
			cfg.KafkaTLS = app.TLSFiles{CAFile: ca.CertFile, CertFile: clientPair.CertFile, KeyFile: clientPair.KeyFile}
			cfg.KafkaSASL = app.SASL{Mechanism: mechanism, Username: user, Password: password}
			log, logs := observedLogger(t)
			a := runApp(t, cfg, log)

			mech := saslMechanism(t, mechanism, user, password)
			tlsCfg := ca.ClientTLS(clientPair)
			k := secureKafka{
				brokers:   []string{b.Addr()},
				dialer:    &kafka.Dialer{Timeout: 10 * time.Second, TLS: tlsCfg, SASLMechanism: mech},
				transport: &kafka.Transport{TLS: tlsCfg, SASL: mech},
			}
			dir := testenv.ContractExamples(t)
			input := testenv.ReadTSV(t, filepath.Join(dir, "input.tsv"))
			k.produce(t, cfg.InputTopic, input)
			deadline := time.Now().Add(30 * time.Second)
			for a.ConsumerStats().Consumed.Load() < int64(len(input)) || a.ConsumerStats().Commits.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("consumed %d of %d after 30s", a.ConsumerStats().Consumed.Load(), len(input))
				}
				time.Sleep(20 * time.Millisecond)
			}
			testenv.CheckContractExamples(t, dir, testenv.Outputs{
				Cleared: k.read(t, cfg.Topics.Cleared), Formal: k.read(t, cfg.Topics.Formal),
				Alerts: k.read(t, cfg.Topics.Alerts), DLQ: k.read(t, cfg.Topics.DLQ),
			})
			if text := logText(logs); strings.Contains(text, password) {
				t.Errorf("a log line shows the SASL password:\n%s", text)
			}
		})
	}
}

func saslMechanism(t *testing.T, name, user, password string) sasl.Mechanism {
	t.Helper()
	switch name {
	case broker.MechanismPlain:
		return plain.Mechanism{Username: user, Password: password}
	case broker.MechanismScramSHA256, broker.MechanismScramSHA512:
		algo := scram.SHA256
		if name == broker.MechanismScramSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, user, password)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Fatalf("mechanism %s", name)
	return nil
}

// TestKafkaRefusals dials the secured broker with one thing wrong at a
// time: each must be refused.
func TestKafkaRefusals(t *testing.T) {
	ca := testenv.NewCA(t)
	serverPair := ca.Server("kafka")
	clientPair := ca.Client("s321-processor")
	b, err := broker.Start(broker.Config{
		Addr: "127.0.0.1:0",
		TLS: &tls.Config{Certificates: []tls.Certificate{serverPair.Certificate}, ClientCAs: ca.Pool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
		Users: []broker.User{{Mechanism: broker.MechanismScramSHA512, Name: "s321", Password: "right-password"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	good := saslMechanism(t, broker.MechanismScramSHA512, "s321", "right-password")
	tests := []struct {
		name   string
		dialer *kafka.Dialer
		ok     bool
	}{
		{"TLS, client certificate and SCRAM", &kafka.Dialer{TLS: ca.ClientTLS(clientPair), SASLMechanism: good}, true},
		{"wrong password", &kafka.Dialer{TLS: ca.ClientTLS(clientPair), SASLMechanism: saslMechanism(t, broker.MechanismScramSHA512, "s321", "wrong")}, false},
		{"wrong mechanism", &kafka.Dialer{TLS: ca.ClientTLS(clientPair), SASLMechanism: saslMechanism(t, broker.MechanismScramSHA256, "s321", "right-password")}, false},
		{"no client certificate", &kafka.Dialer{TLS: ca.ClientTLS(), SASLMechanism: good}, false},
		{"plaintext", &kafka.Dialer{SASLMechanism: good}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.dialer.Timeout = 3 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := tc.dialer.DialContext(ctx, "tcp", b.Addr())
			if err == nil {
				// The dial may succeed before the server checks the
				// certificate (TLS 1.3); a request shows the outcome.
				_, err = conn.ReadPartitions()
				conn.Close()
			}
			if tc.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Error("accepted")
			}
		})
	}
}
