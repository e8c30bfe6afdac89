import { readFileSync } from 'node:fs';
import {
  BehaviourProfile,
  checkProfile,
  mergeProfile,
  parseProfilePatch,
  Preset,
  PRESETS,
  presetProfile,
  ProfileError,
  ProfilePatch,
} from './behaviour.profile';

/** The profile file (EMULATOR_PROFILE_FILE) and EMULATOR_PROFILE share this shape. */
export interface ProfileSource {
  preset?: Preset;
  seed?: number;
  default?: ProfilePatch;
  models?: Record<string, ProfilePatch>;
}

export interface ProfileSnapshot {
  preset: Preset;
  seed: number;
  default: BehaviourProfile;
  models: Record<string, { patch: ProfilePatch; effective: BehaviourProfile }>;
}

export function readProfileSource(json: string, where: string): ProfileSource {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ProfileError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProfileError(`${where} must be a JSON object`);
  }
  const { preset, seed, default: defaults, models, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ProfileError(`${where}: unknown key(s) ${unknown.join(', ')}`);
  if (preset !== undefined && !PRESETS.includes(preset as Preset)) {
    throw new ProfileError(`${where}.preset must be one of ${PRESETS.join(', ')}`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) {
    throw new ProfileError(`${where}.seed must be a non-negative integer`);
  }
  const source: ProfileSource = { preset: preset as Preset | undefined, seed: seed as number | undefined };
  if (defaults !== undefined) source.default = parseProfilePatch(defaults, `${where}.default`);
  if (models !== undefined) {
    if (models === null || typeof models !== 'object' || Array.isArray(models)) {
      throw new ProfileError(`${where}.models must be an object keyed by model name`);
    }
    source.models = {};
    for (const [model, patch] of Object.entries(models)) {
      source.models[model] = parseProfilePatch(patch, `${where}.models.${model}`);
    }
  }
  return source;
}

/** Loads the boot-time sources in order: the file, then the inline JSON over it. */
export function loadProfileSources(profileFile: string | undefined, profileJson: string | undefined): ProfileSource[] {
  const sources: ProfileSource[] = [];
  if (profileFile) sources.push(readProfileSource(readFileSync(profileFile, 'utf8'), profileFile));
  if (profileJson) sources.push(readProfileSource(profileJson, 'EMULATOR_PROFILE'));
  return sources;
}

/**
 * The profiles in force: boot sources plus runtime changes from the admin API. Effective profiles
 * are cached because every request reads one.
 */
export class ProfileRegistry {
  private preset: Preset = 'default';
  private seed = 1;
  private defaultPatch: ProfilePatch = {};
  private modelPatches = new Map<string, ProfilePatch>();
  private cache = new Map<string, BehaviourProfile>();
  private defaults!: BehaviourProfile;
  private listeners: Array<() => void> = [];

  constructor(
    private readonly bootSources: readonly ProfileSource[],
    private readonly seedOverride: number | undefined,
  ) {
    this.reset();
  }

  /** Back to the boot-time profiles. */
  reset(): void {
    this.preset = 'default';
    this.seed = 1;
    this.defaultPatch = {};
    this.modelPatches = new Map();
    for (const source of this.bootSources) {
      if (source.preset) this.preset = source.preset;
      if (source.seed !== undefined) this.seed = source.seed;
      if (source.default) this.defaultPatch = mergePatches(this.defaultPatch, source.default);
      for (const [model, patch] of Object.entries(source.models ?? {})) {
        this.modelPatches.set(model, mergePatches(this.modelPatches.get(model) ?? {}, patch));
      }
    }
    if (this.seedOverride !== undefined) this.seed = this.seedOverride;
    this.rebuild();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  getSeed(): number {
    return this.seed;
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.changed();
  }

  /** The profile of models without their own patch. */
  defaultProfile(): BehaviourProfile {
    return this.defaults;
  }

  forModel(model: string): BehaviourProfile {
    let profile = this.cache.get(model);
    if (!profile) {
      const patch = this.modelPatches.get(model);
      profile = patch ? mergeProfile(this.defaults, patch) : this.defaults;
      this.cache.set(model, profile);
    }
    return profile;
  }

  /** Replaces the default patch (over the preset); every model without its own setting follows. */
  setDefault(patch: ProfilePatch, preset?: Preset): BehaviourProfile {
    const nextPreset = preset ?? this.preset;
    checkProfile(mergeProfile(presetProfile(nextPreset), patch), 'default');
    this.preset = nextPreset;
    this.defaultPatch = patch;
    this.rebuild();
    return this.defaults;
  }

  /** Replaces one model's patch (over the default). */
  setModel(model: string, patch: ProfilePatch): BehaviourProfile {
    checkProfile(mergeProfile(this.defaults, patch), model);
    this.modelPatches.set(model, patch);
    this.changed();
    return this.forModel(model);
  }

  removeModel(model: string): boolean {
    const removed = this.modelPatches.delete(model);
    this.changed();
    return removed;
  }

  modelPatch(model: string): ProfilePatch | undefined {
    return this.modelPatches.get(model);
  }

  snapshot(): ProfileSnapshot {
    const models: ProfileSnapshot['models'] = {};
    for (const [model, patch] of this.modelPatches) models[model] = { patch, effective: this.forModel(model) };
    return { preset: this.preset, seed: this.seed, default: this.defaults, models };
  }

  private rebuild(): void {
    this.defaults = checkProfile(mergeProfile(presetProfile(this.preset), this.defaultPatch), 'default');
    for (const [model, patch] of this.modelPatches) checkProfile(mergeProfile(this.defaults, patch), `models.${model}`);
    this.changed();
  }

  private changed(): void {
    this.cache.clear();
    for (const listener of this.listeners) listener();
  }
}

function mergePatches(base: ProfilePatch, patch: ProfilePatch): ProfilePatch {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const existing = merged[key];
    merged[key] =
      value !== null && typeof value === 'object' && existing !== null && typeof existing === 'object'
        ? mergePatches(existing as ProfilePatch, value as ProfilePatch)
        : value;
  }
  return merged as ProfilePatch;
}
