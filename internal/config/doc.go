// Package config resolves the configuration of every processor command
// from command-line flags, environment variables and an optional YAML file
// into an app.Config and the command's own flags, and shows a resolved
// configuration with its secrets masked.
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
// `processor run` takes every setting (Bind). Another command takes some
// of them, with defaults of its own, beside flags it defines itself
// (BindCommand): its own flags are read the same three ways, under the
// same rule of names, and a file's settings the command does not take are
// ignored, so one file serves every command. A setting that would make a
// command write into a running processor's data (replay's key prefix,
// generate's brokers) is read from the command line alone.
//
// It owns names, precedence and parsing of values. It does not check
// whether values make sense together: app.Config.Validate does.
package config
