import type { Logger } from "../../lib/node/log.js";
import { Learner, type LearnerConfig } from "../../lib/rl/learner.js";
import { loadLearner, type Loaded } from "../../lib/rl/persist.js";
import { ACTION_DIM, type ActionBounds } from "../../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../../lib/rl/td3.js";
import { loadDemonstrations } from "./demonstrations.js";
import type { PolicyParameters } from "./parameters.js";

function learnerConfig(p: PolicyParameters): LearnerConfig {
  return {
    td3: {
      ...DEFAULT_TD3,
      observationDim: p.observation_dim,
      actionDim: ACTION_DIM,
      hidden: p.hidden_units,
      gamma: p.gamma,
      bcWeight: p.bc_weight,
      alpha: p.q_weight,
      actorWarmupUpdates: p.actor_warmup_updates,
      progressWeight: p.progress_weight,
      fineScale: p.fine_scale,
      actorWeightDecay: p.actor_weight_decay,
      regressionTarget: p.actor_regression,
      advantageTemperature: p.advantage_temperature,
    },
    replayCapacity: p.replay_capacity,
    batchSize: p.batch_size,
    updatesPerStep: p.updates_per_step,
    nStep: p.n_step,
    warmupTransitions: p.warmup_transitions,
    explorationNoise: p.exploration_noise,
    noiseCorrelation: p.noise_correlation,
    bcSteps: p.bc_steps,
    demoBatchFraction: p.demo_batch_fraction,
  };
}

/**
 * The learner the policy node's parameters ask for: the checkpoint's when there is one, otherwise a fresh
 * learner cloned from the demonstrations. A restored learner skips the demonstrations, having already
 * learned from them before it was saved.
 */
export async function buildLearner(
  params: PolicyParameters,
  options: { readonly bounds: ActionBounds; readonly log: Logger },
): Promise<Loaded> {
  const { log } = options;
  const config = learnerConfig(params);
  const loaded: Loaded = params.checkpoint_path
    ? await loadLearner({
        path: params.checkpoint_path,
        config,
        seed: params.seed,
        freshStartOnCorrupt: params.fresh_start_on_corrupt_checkpoint,
        warn: (m) => log.warn(m),
      })
    : { learner: new Learner(config, params.seed), origin: "fresh" };
  const { learner, origin } = loaded;
  if (origin === "restored") {
    log.info(
      `restored ${params.checkpoint_path}: ${learner.replay.size} transitions, ${learner.counters.updates} updates`,
    );
  } else if (params.demonstrations) {
    const demos = await loadDemonstrations(params.demonstrations, params.observation_dim, options.bounds);
    const loss = learner.pretrain(demos);
    log.info(`cloned ${demos.length} demonstration transitions (BC loss ${loss.toFixed(4)})`);
  } else {
    log.warn("no checkpoint and no demonstrations: starting from an untrained actor");
  }
  return loaded;
}
