#!/bin/sh
# Run the sharded reproduction on a Kubernetes cluster: the volume, the
# Indexed Job of shards, and, once every shard has completed, the merge.
set -eu
cd "$(dirname "$0")"
kubectl apply -f pvc.yaml
kubectl apply -f shards-job.yaml
kubectl wait --for=condition=complete job/isonet-shards --timeout=24h
kubectl apply -f merge-job.yaml
kubectl wait --for=condition=complete job/isonet-merge --timeout=1h
kubectl logs job/isonet-merge
