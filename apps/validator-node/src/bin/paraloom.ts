#!/usr/bin/env node
import { runBin } from '@paraloom/cli-kit'

await runBin('paraloom', async () => (await import('../cli.js')).runCli)
