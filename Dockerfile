# Multi-stage: build with the Swift toolchain, run on a slim Debian with only the C libraries
# galleyd links (the Swift runtime is linked statically).
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev uuid-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY API ./API
COPY Migrations ./Migrations
RUN swift build -c release --static-swift-stdlib --product galleyd \
    && swift build -c release --static-swift-stdlib --product galley \
    && mkdir /out && cp .build/release/galleyd .build/release/galley /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libuuid1 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /data galley && mkdir /data && chown galley /data
COPY --from=build /out/ /usr/local/bin/
USER galley
VOLUME /data
EXPOSE 7420
# Plaintext inside the container network only (docker-compose publishes the port on the host's
# loopback); for TLS mount a certificate and run with --tls-cert/--tls-key instead.
CMD ["galleyd", "--listen", "0.0.0.0:7420", "--data", "/data", "--insecure-plaintext"]
