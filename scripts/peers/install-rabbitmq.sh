#!/usr/bin/env bash
# Installs RabbitMQ (Debian/Ubuntu `rabbitmq-server`) for the Pulsar-over-AMQP
# integration tests. The tests start their own broker on free loopback ports
# (test/peers/rabbitmq.ts); the package's own service is not needed, so on a
# machine without an init system its start-up hook is told not to run.
#
# Safe to run again: nothing happens when rabbitmq-server is installed.
# RABBITMQ_SERVER=<path> (read by test/peers/rabbitmq.ts too) points at another install.
set -euo pipefail

if command -v "${RABBITMQ_SERVER:-rabbitmq-server}" >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ]; then
  echo "rabbitmq: rabbitmq-server already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "rabbitmq: no apt-get here; install RabbitMQ 3.x and set RABBITMQ_SERVER to its rabbitmq-server" >&2
  exit 1
fi
sudo=
if [ "$(id -u)" != 0 ]; then
  sudo=sudo
fi

# Without systemd the package's start hook fails the install; policy-rc.d (exit 101) skips it.
policy=
if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi

echo "rabbitmq: installing rabbitmq-server with apt-get"
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
# A system broker started by the package would hold port 5672 and epmd; the tests use their own.
if [ -d /run/systemd/system ]; then
  $sudo systemctl stop rabbitmq-server >/dev/null 2>&1 || true
fi
echo "rabbitmq: installed $(dpkg-query -W -f '${Version}' rabbitmq-server)"
