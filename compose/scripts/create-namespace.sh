#!/bin/sh
# Creates the namespace geminiflow uses, once the frontend answers. Its search attributes are not made here: the
# worker and the receiver check and register them at start (common/search-attributes-setup.ts).
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  echo "create-namespace: waiting for $TEMPORAL_ADDRESS"
  sleep 2
done
temporal operator namespace describe --namespace "$namespace" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create --namespace "$namespace" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}" \
    --address "$TEMPORAL_ADDRESS"
echo "create-namespace: $namespace ready"
