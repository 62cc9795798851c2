import { invalidArgument, notFound } from './errors';
import { field, isRecord } from './fields';
import type { FileStore } from './files';
import { newFileId, shortHash } from './ids';
import { bareModel } from './model';
import type { Publisher, WebhookConfig } from './publisher';
import type { VideoCompletionEvents } from './types';

/** The video models SDK 3.1.0's Interactions model list names; Veo is not among them (it runs on generateVideos). */
export const omniVideoModels = ['gemini-omni-1.1-flash', 'gemini-omni-flash-preview', 'gemini-omni-1.2-flash'];
const videoCompletionEvents: VideoCompletionEvents[] = ['completed', 'both', 'none'];
const aspectRatios = ['16:9', '9:16'];
const deliveries = ['inline', 'uri'] as const;
const resolutions = ['360p', '720p', '1080p', '4k'];

export const isOmniModel = (model: string | undefined) => model !== undefined && /^gemini-omni-/.test(bareModel(model));

/** Interactions does not serve Veo: answered as Gemini answers a model that a method does not serve. */
export function refuseVeo(model: string | undefined): void {
  if (model === undefined || !/^veo-/i.test(bareModel(model))) return;
  throw notFound(
    `models/${bareModel(model)} is not found for the Interactions API, or is not supported for interactions. ` +
      `Veo generates video through models.generateVideos; video through Interactions uses a Gemini Omni model ` +
      `(${omniVideoModels.join(', ')}) with response_format {"type": "video"}.`,
  );
}

export interface VideoFormat {
  delivery: (typeof deliveries)[number];
  aspectRatio: string;
  resolution: string;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    const got = JSON.stringify(value);
    throw invalidArgument(`response_format.${name} must be one of ${allowed.join(', ')}, got ${got}.`);
  }
  return value as T;
}

/**
 * The video part of `response_format` (an object or a list of them) for an Omni model; undefined for other models,
 * which refuse a video response format. Without one an Omni model still makes a video, inline, as live samples read it.
 */
export function videoFormatOf(model: string | undefined, responseFormat: unknown): VideoFormat | undefined {
  if (responseFormat !== undefined && !isRecord(responseFormat) && !Array.isArray(responseFormat)) {
    throw invalidArgument('response_format must be an object or a list of objects.');
  }
  const entries: unknown[] = Array.isArray(responseFormat) ? responseFormat : [responseFormat];
  const video = entries.find((e) => isRecord(e) && e.type === 'video');
  if (!isOmniModel(model)) {
    if (video) {
      throw invalidArgument(`Model ${model} does not generate video; use one of ${omniVideoModels.join(', ')}.`);
    }
    return undefined;
  }
  return {
    delivery: oneOf(field(video, 'delivery'), deliveries, 'delivery', 'inline'),
    aspectRatio: oneOf(field(video, 'aspect_ratio'), aspectRatios, 'aspect_ratio', '16:9'),
    resolution: oneOf(field(video, 'resolution'), resolutions, 'resolution', '720p'),
  };
}

/** Omni video output: the generated file (or inline bytes) and the completion events the configured pattern sends. */
export class VideoStudio {
  constructor(
    private readonly files: FileStore,
    private readonly publisher: Publisher,
    private completionEvents: VideoCompletionEvents,
  ) {}

  setCompletionEvents(events: VideoCompletionEvents): VideoCompletionEvents {
    if (!videoCompletionEvents.includes(events)) {
      throw invalidArgument(`video completion events must be one of ${videoCompletionEvents.join(', ')}.`);
    }
    this.completionEvents = events;
    return events;
  }

  /** Makes the video of a finished interaction, sends its completion events and returns its output step. */
  finish(
    interactionId: string,
    prompt: string,
    format: VideoFormat,
    webhookConfig: WebhookConfig | undefined,
  ): Record<string, unknown> & { type: string } {
    const bytes = fakeMp4(`${format.aspectRatio} ${format.resolution}: ${prompt}`);
    const data: Record<string, unknown> = { id: interactionId };
    let block: Record<string, unknown>;
    if (format.delivery === 'uri') {
      const file = this.files.put({
        name: `files/video-${newFileId()}`,
        displayName: `video for ${interactionId}`,
        mimeType: 'video/mp4',
        data: bytes,
        source: 'GENERATED',
      });
      // The Files API name, which ai.files.download takes as it is (it cannot parse an http:// URI).
      block = { type: 'video', uri: file.name, mime_type: 'video/mp4' };
      data.output_file_uri = data.file_name = file.name;
      data.video_uri = this.files.downloadUrl(file);
    } else {
      block = { type: 'video', data: bytes.toString('base64'), mime_type: 'video/mp4' };
    }
    const events = this.completionEvents;
    if (events === 'both') this.publisher.publish('video.generated', data, webhookConfig);
    if (events !== 'none') this.publisher.publish('interaction.completed', { id: interactionId }, webhookConfig);
    return { type: 'model_output', content: [block] };
  }
}

/** A tiny file that starts like an MP4 (`ftyp` box) and carries the prompt, so downloads are checkable. */
function fakeMp4(text: string): Buffer {
  const ftyp = Buffer.from([0, 0, 0, 0x14, ...Buffer.from('ftypmp42'), 0, 0, 0, 0, ...Buffer.from('mp42')]);
  return Buffer.concat([ftyp, Buffer.from(`\nemulated video ${shortHash(text)}: ${text}\n`)]);
}
