// Package config resolves the configuration of `processor run` from
// command-line flags, environment variables and an optional YAML file
// into an app.Config, and shows a resolved configuration with its secrets
// masked.
//
// Every setting has one name, used three ways: the flag (--group-id), the
// YAML key (group-id) and, upper-cased with the prefix PROCESSOR_, the
// environment variable (PROCESSOR_GROUP_ID). The contract's names are kept
// as aliases: KAFKA_BROKERS, REDIS_URL and RECIPIENT_KEY_SECRET. The order
// of precedence is
//
//	flag > environment > file > default
//
// Secrets (the recipient-key secret, the Kafka SASL password, the Redis
// password) are read from the environment or from a file named by the
// setting's -file variant, never from the YAML file and never from a
// flag, since flags show in ps and in pprof's cmdline page. No flag's
// default, and so no help text, holds a value from the environment.
//
// It owns names, precedence and parsing of values. It does not check
// whether values make sense together: app.Config.Validate does.
package config
