#!/usr/bin/env bash
# Generates the Python stubs of the masters' gRPC API from master-api's .proto files (and masterinfo's
# mesos.proto, which it imports) into a directory, by default examples/python/gen:
#   examples/python/generate.sh [OUT_DIR]
# Needs Debian's python3-grpcio and python3-grpc-tools (apt-get install python3-grpcio python3-grpc-tools).
# PYTHON picks the interpreter (default: python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/gen}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import grpc, grpc_tools' 2>/dev/null; then
  echo "generate.sh: $python cannot import grpc and grpc_tools; install Debian's python3-grpcio and" \
    "python3-grpc-tools (apt-get install python3-grpcio python3-grpc-tools)" >&2
  exit 1
fi
mkdir -p "$out"
"$python" -m grpc_tools.protoc \
  -I "$root/master-api/src/main/proto" \
  -I "$root/masterinfo/src/main/proto" \
  --python_out="$out" --grpc_python_out="$out" \
  masterha/master_service.proto masterha/mesos.proto
echo "generate.sh: stubs in $out (import them with PYTHONPATH=$out)"
