# contact-sync as a container image, in the shape of the Hummingbird template's: a build stage on the Swift
# image makes the release binary with scripts/release (the binary scripts/release-test proves in a bare Debian
# root), and the runtime stage is that same Debian release with only the binary, CA certificates and a user.
#
#   docker build -t contact-sync .
#   docker run -p 8080:8080 -v contact-sync-data:/var/lib/contact-sync contact-sync
#
# ================================
# Build image
# ================================
FROM swift:6.3-bookworm AS build
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Resolve dependencies first, so that a change to the sources reuses this layer.
COPY ./Package.swift ./
RUN swift package resolve
COPY . .
ARG CONTACT_SYNC_COMMIT=""
RUN CONTACT_SYNC_COMMIT="${CONTACT_SYNC_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}" scripts/release \
    && mkdir /staging \
    && tar -C /staging --strip-components=1 -xzf dist/contact-sync-*-linux-*.tar.gz

# ================================
# Run image
# ================================
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --user-group --system --no-create-home --home-dir /var/lib/contact-sync contact-sync \
    && install -d -o contact-sync -g contact-sync -m 0700 /var/lib/contact-sync
COPY --from=build /staging/contact-sync /usr/local/bin/contact-sync
COPY --from=build /staging/LICENSE /staging/NOTICE /usr/share/doc/contact-sync/
USER contact-sync:contact-sync
ENV CONTACT_SYNC_HOST=0.0.0.0 \
    CONTACT_SYNC_PORT=8080 \
    CONTACT_SYNC_DATA_DIR=/var/lib/contact-sync \
    CONTACT_SYNC_LOG_FORMAT=json
VOLUME /var/lib/contact-sync
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["contact-sync"]
CMD ["serve"]
