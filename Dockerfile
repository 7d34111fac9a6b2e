# Convene: one binary plus the built site. Build: docker build -t convene .
# Run: docker run -p 3000:3000 -v convene-data:/data \
#        -e CONVENE_ENV=production -e CONVENE_SECRET=$(openssl rand -hex 32) \
#        -e CONVENE_PUBLIC_URL=https://meet.example.com convene
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Tools first (cargo-leptos, wasm-bindgen-cli, wasm-opt): cached across
# source changes.
COPY Cargo.toml Cargo.lock ./
COPY scripts scripts
COPY end2end/package.json end2end/package-lock.json end2end/
RUN scripts/install
COPY . .
RUN . scripts/env && cargo leptos build --release

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app convene \
 && mkdir -p /data && chown convene /data
WORKDIR /app
COPY --from=build /src/target/release/convene /app/convene
COPY --from=build /src/target/site /app/site
COPY Leptos.toml /app/Leptos.toml
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_OUTPUT_NAME=convene \
    LEPTOS_SITE_PKG_DIR=pkg \
    PORT=3000 \
    CONVENE_DATA_DIR=/data \
    RUST_LOG=warn,convene=info
USER convene
VOLUME /data
EXPOSE 3000
CMD ["/app/convene"]
