# Multi-stage: build with the Swift toolchain, run on a slim Debian with only the C libraries
# galleyd links (the Swift runtime is linked statically).
#
# One image for both stores and for both deployments in docker-compose.yml:
#   galleyd --listen 0.0.0.0:7420 --data /data --insecure-plaintext          (SQLite, the default CMD)
#   galleyd migrate --database postgres://...                                (once, before instances start)
#   galleyd serve --listen 0.0.0.0:7420 --database postgres://... --data /data --insecure-plaintext
# The migrations (SQLite and PostgreSQL) and the OpenRPC document are compiled into the binaries
# (Sources/*/Generated, made by scripts/embed-resources), so nothing but the binaries is copied out.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev uuid-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift names the test targets, so their directories must exist for the manifest to load.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY API ./API
COPY Migrations ./Migrations
RUN swift build -c release --static-swift-stdlib --product galleyd \
    && swift build -c release --static-swift-stdlib --product galley \
    && mkdir /out && cp .build/release/galleyd .build/release/galley /out/

FROM debian:bookworm-slim
# libsqlite3-0 and libuuid1: the only shared libraries galleyd and galley link besides libc;
# PostgresNIO is pure Swift (its TLS is BoringSSL, compiled in). bash is already there (healthchecks).
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libuuid1 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data galley && mkdir /data && chown galley:galley /data
COPY --from=build /out/ /usr/local/bin/
# Not root: galleyd needs nothing but its port (above 1024) and /data.
USER galley
WORKDIR /data
VOLUME /data
EXPOSE 7420
# Plaintext inside the container network only (docker-compose publishes the port on the host's
# loopback); for TLS mount a certificate and run with --tls-cert/--tls-key instead.
CMD ["galleyd", "--listen", "0.0.0.0:7420", "--data", "/data", "--insecure-plaintext"]
