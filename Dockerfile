# syntax=docker/dockerfile:1
# The paraloom image: the `paraloom` CLI (validator, registry), `peer-monitor`
# and `paraloom-devnet` (the devnet's files for docker-compose), built in one stage and copied with production dependencies
# only into a slim runtime that runs as the unprivileged `node` user.
#
#   docker build -t paraloom:devnet .
#   docker run --rm paraloom:devnet --help
#
# docker-compose.yml builds it once and runs every Paraloom service from it.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 (peer-monitor) compiles from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
WORKDIR /src
COPY . .
RUN npx -y pnpm@12.4.2 install --frozen-lockfile
RUN npx -y pnpm@12.4.2 exec turbo run build --filter=paraloom... --filter=@paraloom/peer-monitor... --filter=@paraloom/devnet...
# `pnpm deploy --prod`: each app with its production dependencies only, no workspace links.
RUN npx -y pnpm@12.4.2 --filter paraloom deploy --prod /out/paraloom \
  && npx -y pnpm@12.4.2 --filter @paraloom/peer-monitor deploy --prod /out/peer-monitor \
  && npx -y pnpm@12.4.2 --filter @paraloom/devnet deploy --prod /out/devnet

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/paraloom /app/paraloom
COPY --from=build --chown=node:node /out/peer-monitor /app/peer-monitor
COPY --from=build --chown=node:node /out/devnet /app/devnet
RUN chmod +x /app/paraloom/dist/bin/paraloom.js /app/peer-monitor/dist/bin/peer-monitor.js \
    /app/devnet/dist/bin/paraloom-devnet.js \
  && ln -s /app/paraloom/dist/bin/paraloom.js /usr/local/bin/paraloom \
  && ln -s /app/peer-monitor/dist/bin/peer-monitor.js /usr/local/bin/peer-monitor \
  && ln -s /app/devnet/dist/bin/paraloom-devnet.js /usr/local/bin/paraloom-devnet \
  && mkdir -p /devnet /monitor \
  && chown node:node /devnet /monitor
USER node
# p2p, gRPC, metrics and /healthz, peer-monitor's dashboard.
EXPOSE 9001 50051 9464 8080
ENTRYPOINT ["paraloom"]
CMD ["--help"]
