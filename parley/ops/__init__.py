"""Operations: /healthz (database and Redis), Prometheus /metrics, and the bench's
hello-world view. deploy/README.md tells an operator how to use them."""
