/**
 * Variables a package manager or jest sets for the scripts it runs. A check
 * that stands for "a user's shell" must not inherit them: `npm_config_*` from
 * the pnpm run would steer npm (its prefix points into this repository),
 * and `NODE_OPTIONS` would add the flags the apps must do without. Runners
 * write `npm_*` in lower case; a user's own `NPM_CONFIG_*` stays.
 */
const RUNNER_VARIABLES =
  /^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|NODE_PATH$|NODE_ENV$|INIT_CWD$|JEST_WORKER_ID$)/

/** The environment of a user's shell: this process's, less what runners add. */
export function userEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !RUNNER_VARIABLES.test(key)))
}
