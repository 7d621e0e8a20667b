import type { CheckpointContents } from "./checkpoint.js";
import type { AdamState, FlatAdam } from "./flatAdam.js";
import type { Mlp } from "./mlp.js";
import { NStepTransitions } from "./nStepTransitions.js";
import { Rng } from "./random.js";
import { ReplayBuffer } from "./replayBuffer.js";
import { observationNorm, Td3Agent, type Td3Config, type UpdateStats } from "./td3.js";
import type { Batch, Transition } from "./transition.js";

export interface LearnerConfig {
  readonly td3: Td3Config;
  readonly replayCapacity: number;
  readonly batchSize: number;
  /** Gradient updates per environment transition (a fixed ratio keeps compute per rollout predictable). */
  readonly updatesPerStep: number;
  /**
   * Steps of reward each stored transition sums before the critic bootstraps (n-step returns,
   * NStepTransitions); 1 is plain one-step TD.
   */
  readonly nStep: number;
  /** No updates until the replay buffer holds this many transitions (demos count). */
  readonly warmupTransitions: number;
  /** Gaussian exploration noise while training, in normalized action units. */
  readonly explorationNoise: number;
  /**
   * Step-to-step correlation ρ of the exploration noise: n_t = ρ·n_{t−1} + √(1 − ρ²)·σ·ε_t, the same
   * spread per step as white noise (ρ = 0) but drifting over about 1/(1 − ρ) steps, so that an episode
   * tries a different path (higher, further round) instead of jitter that averages out within a few
   * steps (correlated noise for exploration: Lillicrap et al. 2015's Ornstein-Uhlenbeck, Eberhard et al.
   * 2023's coloured noise). The noise restarts with each episode (startEpisode).
   */
  readonly noiseCorrelation?: number;
  /** Behaviour-cloning steps on the demos before online learning. */
  readonly bcSteps: number;
  /**
   * Share of each critic batch drawn from the demonstrations (symmetric sampling as in RLPD, Ball et al.
   * 2023), so the few successful demo transitions keep shaping the values instead of being diluted by
   * the growing replay.
   */
  readonly demoBatchFraction: number;
  /**
   * While training, the action taken is the best of this many by the critics: the actor's own and noisy
   * variations of it, ranked by min(Q1, Q2) (critic-guided exploration, as QT-Opt's and EMaQ's sampled
   * argmax). The critic then steers what the policy experiences, and self-imitation regresses the actor
   * onto it, without the Q gradient pulling the actor off its demonstrations. 1: plain Gaussian noise.
   * Measured worse than plain noise on the tuning seed (docs/experiments/README.md, third round): the
   * critics do not yet rank nearby actions well. Kept as an experiment option, off by default.
   */
  readonly actionCandidates?: number;
  /**
   * What ranks the candidates: `critics`, min(Q1, Q2); `progress`, the potential the reward's shaping
   * term climbs, predicted one step ahead, Φ̂(ŝ′(s, a)) (the agent's progress models, fitted then even
   * without guidance). The state potential through fitted dynamics followed the true slope of Φ at a
   * cosine of 0.69 where the critics' slope reached 0.24–0.33 (scripts/critic-quality.ts, seventh tuning
   * round), and choosing among a few actions near π(s) cannot carry the policy off the data's support the
   * way a gradient step on the actor did. Measured worse on the tuning seed all the same (eighth round,
   * docs/experiments/README.md: 16 candidates, ground-truth Φ, 35 training successes of 100 against 50
   * with plain noise): an experiment option, off by default.
   */
  readonly candidateRanking?: "critics" | "progress";
  /**
   * Greedy (evaluation and deployment) actions are the best of this many as well: π(s) and variations of
   * it with the exploration noise's spread, ranked as `candidateRanking` says. 1: π(s) itself.
   */
  readonly greedyCandidates?: number;
  /**
   * Actor-only behaviour-cloning steps on the demonstrations each time episodes join them (`imitate`: a
   * successful rollout, or the progress steps of a failed one). The actor otherwise fits its growing demonstration set only through the TD3 updates, one
   * per `policyDelay` transitions, while a policy cloned from 60 clean demos needed ~4000 steps to reach
   * its best (scripts/bc-failure-stages.ts). 0: none.
   */
  readonly imitationSteps?: number;
}

/**
 * The learner's settings apart from its networks (DEFAULT_TD3): the policy node's parameter defaults, the
 * experiment CLI's option defaults and the diagnostic scripts all start from these, so a tuned value
 * changes in one place.
 */
export const DEFAULT_LEARNER: Omit<LearnerConfig, "td3"> = {
  replayCapacity: 200_000,
  batchSize: 128,
  updatesPerStep: 1,
  nStep: 1,
  warmupTransitions: 256,
  explorationNoise: 0.2,
  noiseCorrelation: 0,
  // What every reported experiment has cloned with since the second tuning round; on the tenth round's
  // tuning seeds 8000 steps fitted the 10 demos closer and succeeded less (docs/experiments/README.md).
  bcSteps: 2000,
  demoBatchFraction: 0.5,
};

export interface LearnerCounters {
  transitions: number;
  updates: number;
  lastCriticLoss: number;
  lastActorLoss: number;
  lastMeanQ: number;
}

/**
 * A checkpoint's optimizer state. Checkpoints written before the learner's optimizer became one flat
 * Adam (FlatAdam) hold tf.train.adam's weights, [iterations, first moments…, second moments…] per
 * variable in the same order, recorded as their shapes; they are concatenated, so such a learner
 * continues too.
 */
function adamState(name: string, saved: unknown, need: (array: string) => Float32Array): AdamState {
  if (Array.isArray(saved)) {
    const moments = (saved.length - 1) / 2;
    const part = (from: number): Float32Array => {
      const pieces = Array.from({ length: moments }, (_, i) => need(`${name}/${from + i}`));
      const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
      pieces.reduce((at, p) => (out.set(p, at), at + p.length), 0);
      return out;
    };
    return { iterations: need(`${name}/0`)[0]!, m: part(1), v: part(1 + moments) };
  }
  const iterations = (saved as { iterations?: unknown } | undefined)?.iterations;
  if (typeof iterations !== "number") throw new Error(`checkpoint has no state for ${name}`);
  return { iterations, m: need(`${name}/m`), v: need(`${name}/v`) };
}

/**
 * The online learner the policy node and the experiment share: a TD3+BC agent, a replay buffer of all
 * experience, a separate buffer of demonstrations for the BC term, and a fixed updates-per-step ratio.
 */
export class Learner {
  readonly agent: Td3Agent;
  replay: ReplayBuffer;
  demos: ReplayBuffer;
  rng: Rng;
  // Its own stream, so that evaluating a policy does not change the course of training.
  private readonly greedyRng: Rng;
  private readonly online: NStepTransitions;
  private noise: Float32Array | undefined;
  readonly counters: LearnerCounters = {
    transitions: 0,
    updates: 0,
    lastCriticLoss: NaN,
    lastActorLoss: NaN,
    lastMeanQ: NaN,
  };

  constructor(
    readonly config: LearnerConfig,
    readonly seed: number,
  ) {
    const { observationDim: o, actionDim: a } = config.td3;
    const progressRanking = config.candidateRanking === "progress";
    if ((config.td3.progressWeight > 0 || progressRanking) && config.nStep !== 1)
      throw new Error(
        `progress guidance and ranking need one-step transitions (the dynamics model learns one step), n_step is ${config.nStep}`,
      );
    this.agent = new Td3Agent(progressRanking ? { ...config.td3, progressModels: true } : config.td3, seed);
    this.replay = new ReplayBuffer(config.replayCapacity, o, a);
    this.demos = new ReplayBuffer(config.replayCapacity, o, a);
    this.rng = new Rng(`learner-${seed}`);
    this.greedyRng = new Rng(`greedy-${seed}`);
    this.online = this.nSteps((t) => this.replay.add(t));
  }

  private nSteps(emit: (t: Transition) => void): NStepTransitions {
    return new NStepTransitions(this.config.nStep, this.config.td3.gamma, emit);
  }

  /** Adds whole episodes through a window of their own, so none waits on the online stream's. */
  private addEpisodes(transitions: readonly Transition[], emit: (t: Transition) => void): void {
    const window = this.nSteps(emit);
    for (const t of transitions) window.push(t);
    window.flush();
  }

  /**
   * Start from demonstrations: fix observation normalization from them, clone their behaviour, and keep
   * them in both buffers (replay for the critic, demos for the BC regulariser).
   */
  pretrain(demonstrations: readonly Transition[]): number {
    if (demonstrations.length === 0)
      throw new Error("behaviour cloning needs at least one demonstration transition");
    this.addEpisodes(demonstrations, (t) => {
      this.demos.add(t);
      this.replay.add(t);
    });
    this.agent.setNorm(observationNorm(this.demos.storedObservations(), this.config.td3.observationDim));
    const batch = Math.min(this.config.batchSize, this.demos.size);
    return this.agent.cloneBehaviour(() => this.demos.sample(batch, this.rng), this.config.bcSteps);
  }

  /**
   * A successful episode of the learner's own joins the demonstrations the BC term regresses onto
   * (success-filtered self-imitation, after Oh et al. 2018; HIL-SERL and ConRFT grow their demonstration
   * buffer the same way, with human interventions): the few scripted demos do not cover the states the
   * policy itself reaches, and its own successes do. The demo buffer is a ring of `replayCapacity`: on a
   * long run the policy's own successes eventually replace the scripted demos.
   */
  imitate(episode: readonly Transition[]): void {
    this.addEpisodes(episode, (t) => this.demos.add(t));
    const batch = Math.min(this.config.batchSize, this.demos.size);
    for (let i = 0; i < (this.config.imitationSteps ?? 0); i++)
      this.agent.imitationStep(this.demos.sample(batch, this.rng));
  }

  /** A new episode's exploration noise starts afresh, independent of the last episode's. */
  startEpisode(): void {
    this.noise = undefined;
  }

  /** The next step's exploration noise (see `noiseCorrelation`), σ = `explorationNoise`. */
  private nextNoise(n: number): Float32Array {
    const rho = this.config.noiseCorrelation ?? 0;
    const sigma = this.config.explorationNoise;
    const previous = this.noise;
    const fresh = Math.sqrt(1 - rho * rho) * sigma;
    const noise = new Float32Array(n);
    for (let i = 0; i < n; i++)
      noise[i] = previous ? rho * previous[i]! + fresh * this.rng.normal() : sigma * this.rng.normal();
    return noise;
  }

  /**
   * The action to take, in [-1, 1]: while exploring with noise (the best of `actionCandidates` noisy
   * ones), otherwise π(s) (the best of it and `greedyCandidates` − 1 variations).
   */
  act(observation: Float32Array, explore: boolean): Float32Array {
    const action = this.agent.act(observation);
    if (this.config.explorationNoise <= 0) return action;
    const k = (explore ? this.config.actionCandidates : this.config.greedyCandidates) ?? 1;
    if (!explore && k <= 1) return action;
    // An untrained ranking would only add noise to the noise: candidates wait for the actor's warm-up too.
    const ranked = k > 1 && this.agent.criticUpdates >= this.config.td3.actorWarmupUpdates;
    if (!explore && !ranked) return action;
    const n = action.length;
    const candidates = new Float32Array((ranked ? k : 1) * n);
    const noises: Float32Array[] = [];
    for (let c = 0; c < candidates.length / n; c++) {
      // Greedy: π(s) itself is the first candidate, and the variations are white noise of their own stream.
      const noise = explore ? this.nextNoise(n) : this.greedyVariation(n, c);
      noises.push(noise);
      for (let i = 0; i < n; i++) candidates[c * n + i] = Math.max(-1, Math.min(1, action[i]! + noise[i]!));
    }
    if (!ranked) {
      this.noise = noises[0];
      return candidates;
    }
    const score =
      this.config.candidateRanking === "progress"
        ? this.agent.predictedProgress(observation, candidates)
        : this.agent.values(observation, candidates);
    let best = 0;
    for (let c = 1; c < k; c++) if (score[c]! > score[best]!) best = c;
    if (explore) this.noise = noises[best];
    return candidates.slice(best * n, (best + 1) * n);
  }

  private greedyVariation(n: number, candidate: number): Float32Array {
    const sigma = candidate === 0 ? 0 : this.config.explorationNoise;
    return Float32Array.from({ length: n }, () => sigma * this.greedyRng.normal());
  }

  private sampleBatch(): Batch {
    const fromDemos =
      this.demos.size > 0 ? Math.round(this.config.batchSize * this.config.demoBatchFraction) : 0;
    const online = this.replay.sample(this.config.batchSize - fromDemos, this.rng);
    if (fromDemos === 0) return online;
    const demos = this.demos.sample(fromDemos, this.rng);
    const join = (a: Float32Array, b: Float32Array): Float32Array => {
      const out = new Float32Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    return {
      size: online.size + demos.size,
      observations: join(online.observations, demos.observations),
      actions: join(online.actions, demos.actions),
      rewards: join(online.rewards, demos.rewards),
      nextObservations: join(online.nextObservations, demos.nextObservations),
      bootstrap: join(online.bootstrap, demos.bootstrap),
      nextPotentials: join(online.nextPotentials, demos.nextPotentials),
    };
  }

  /**
   * Store one transition and run the configured number of updates. With n-step returns a transition
   * reaches the replay once its n steps are known (n − 1 steps later, or at its episode's end).
   */
  observe(transition: Transition): UpdateStats | undefined {
    this.online.push(transition);
    this.counters.transitions++;
    if (this.replay.size < this.config.warmupTransitions) return undefined;
    let stats: UpdateStats | undefined;
    for (let i = 0; i < this.config.updatesPerStep; i++) {
      const batch = this.sampleBatch();
      const demos = this.demos.size > 0 ? this.demos.sample(this.config.batchSize, this.rng) : undefined;
      stats = this.agent.update(batch, demos, this.rng);
      this.counters.updates++;
      this.counters.lastCriticLoss = stats.criticLoss;
      this.counters.lastMeanQ = stats.meanQ;
      if (stats.actorLoss !== undefined) this.counters.lastActorLoss = stats.actorLoss;
    }
    return stats;
  }

  private networks(): [string, Mlp][] {
    const a = this.agent;
    return [
      ["actor", a.actor],
      ["actor_target", a.actorTarget],
      ...a.critics.map((c, i) => [`critic${i + 1}`, c] as [string, Mlp]),
      ...a.criticTargets.map((c, i) => [`critic${i + 1}_target`, c] as [string, Mlp]),
      ...(a.progress
        ? [
            ["potential", a.progress.potential] as [string, Mlp],
            ["dynamics", a.progress.dynamics] as [string, Mlp],
          ]
        : []),
    ];
  }

  private optimizers(): [string, FlatAdam][] {
    const a = this.agent;
    return [
      ["actor_optimizer", a.actorOptimizer],
      ["critic_optimizer", a.criticOptimizer],
      ...(a.progress ? [["progress_optimizer", a.progress.optimizer] as [string, FlatAdam]] : []),
    ];
  }

  /** Everything needed to continue exactly where this learner is: weights, optimiser state, replay, RNG. */
  async snapshot(): Promise<CheckpointContents> {
    const arrays: Record<string, Float32Array> = {};
    for (const [name, net] of this.networks()) net.read().forEach((w, i) => (arrays[`${name}/${i}`] = w));
    const optimizers: Record<string, { iterations: number }> = {};
    for (const [name, opt] of this.optimizers()) {
      const state = opt.state();
      optimizers[name] = { iterations: state.iterations };
      arrays[`${name}/m`] = state.m;
      arrays[`${name}/v`] = state.v;
    }
    const norm = this.agent.norm();
    arrays["norm/mean"] = norm.mean;
    arrays["norm/std"] = norm.std;
    const buffers: Record<string, { capacity: number; size: number; next: number }> = {};
    for (const [name, buffer] of [
      ["replay", this.replay],
      ["demos", this.demos],
    ] as const) {
      const d = buffer.data();
      buffers[name] = { capacity: d.capacity, size: d.size, next: d.next };
      for (const key of [
        "observations",
        "actions",
        "rewards",
        "nextObservations",
        "bootstrap",
        "nextPotentials",
      ] as const) {
        arrays[`${name}/${key}`] = d[key]!;
      }
    }
    return {
      meta: {
        kind: "td3bc-learner",
        seed: this.seed,
        td3: this.config.td3,
        counters: this.counters,
        criticUpdates: this.agent.criticUpdates,
        progressUpdates: this.agent.progressUpdates,
        rng: this.rng.state(),
        optimizers,
        buffers,
      },
      arrays,
    };
  }

  /** A learner continued from a snapshot; the configuration must describe the same networks. */
  static async restore(contents: CheckpointContents, config: LearnerConfig): Promise<Learner> {
    const { meta, arrays } = contents;
    if (meta.kind !== "td3bc-learner")
      throw new Error(`checkpoint holds '${String(meta.kind)}', not a TD3+BC learner`);
    // The sizes that decide the networks' shapes; the actor's widths default to the critics'.
    const shapes = (c: Td3Config) => ({
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      hidden: c.hidden,
      actorHidden: c.actorHidden ?? c.hidden,
      criticCount: c.criticCount ?? 2,
      fineScale: c.fineScale ?? 0,
    });
    const [saved, wanted] = [shapes(meta.td3 as Td3Config), shapes(config.td3)];
    for (const key of [
      "observationDim",
      "actionDim",
      "hidden",
      "actorHidden",
      "criticCount",
      "fineScale",
    ] as const) {
      if (JSON.stringify(saved[key]) !== JSON.stringify(wanted[key])) {
        throw new Error(
          `checkpoint was made with ${key} = ${JSON.stringify(saved[key])}, this learner has ${JSON.stringify(wanted[key])}`,
        );
      }
    }
    const need = (name: string): Float32Array => {
      const a = arrays[name];
      if (!a) throw new Error(`checkpoint has no array '${name}'`);
      return a;
    };
    const learner = new Learner(config, meta.seed as number);
    for (const [name, net] of learner.networks())
      net.write(net.variables.map((_, i) => need(`${name}/${i}`)));
    for (const [name, opt] of learner.optimizers()) {
      opt.restore(adamState(name, (meta.optimizers as Record<string, unknown>)[name], need));
    }
    learner.agent.setNorm({ mean: need("norm/mean"), std: need("norm/std") });
    const buffers = meta.buffers as Record<string, { capacity: number; size: number; next: number }>;
    const { observationDim: o, actionDim: a } = config.td3;
    for (const name of ["replay", "demos"] as const) {
      const b = buffers[name]!;
      // The saved capacity is kept (a changed replay_capacity applies to fresh starts only).
      const restored = ReplayBuffer.fromData(
        {
          ...b,
          observations: need(`${name}/observations`),
          actions: need(`${name}/actions`),
          rewards: need(`${name}/rewards`),
          nextObservations: need(`${name}/nextObservations`),
          bootstrap: need(`${name}/bootstrap`),
          ...(arrays[`${name}/nextPotentials`] ? { nextPotentials: arrays[`${name}/nextPotentials`] } : {}),
        },
        o,
        a,
      );
      if (name === "replay") learner.replay = restored;
      else learner.demos = restored;
    }
    learner.rng = new Rng(`learner-${String(meta.seed)}`, meta.rng as object);
    Object.assign(learner.counters, meta.counters as LearnerCounters);
    learner.agent.criticUpdates = meta.criticUpdates as number;
    learner.agent.progressUpdates = (meta.progressUpdates as number | undefined) ?? 0;
    return learner;
  }

  dispose(): void {
    this.agent.dispose();
  }
}
