# syntax=docker/dockerfile:1
# Build: a static, pure-Go binary (SQLite is modernc.org/sqlite: no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/briefbot ./cmd/briefbot \
 && mkdir -p /out/data

# Run: distroless static, non-root, state in /data.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/briefbot /usr/local/bin/briefbot
COPY --from=build --chown=65532:65532 /out/data /data
ENV BRIEFBOT_DATA_DIR=/data \
    BRIEFBOT_HTTP_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/briefbot", "health"]
ENTRYPOINT ["/usr/local/bin/briefbot"]
CMD ["serve"]
