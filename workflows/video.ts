import { patched } from '@temporalio/workflow';
import {
  type Budget,
  type DownloadedVideo,
  defaultVideoModel,
  type GeminiEventType,
  type GeminiUsage,
} from '../contract';
import { downloadGeneratedVideo } from './activities';
import { runBackgroundInteraction } from './background-interaction';
import { badInput } from './job-failures';
import { trackGeminiUsage } from './usage';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings, waitSettingsOf } from './wait-for-gemini-event';

export interface VideoInput extends WaitSettings {
  prompt: string;
  /** An Omni model served through Interactions. */
  model?: string;
  /** e.g. '16:9' or '9:16'; the model's default when unset. */
  aspectRatio?: string;
  wait?: WaitSettings;
  /** The pipeline's budget, checked before the video starts (a parent or fan-out passes it down). */
  budget?: Budget;
}

export interface VideoResult extends DownloadedVideo {
  resolvedBy: ResolvedWait['resolvedBy'];
  /** The run's usage (its one job), for a parent to add to its own (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

/** Generates a video from a prompt, waits until it is done, and saves the file on the worker. */
export async function generateVideo(input: VideoInput): Promise<VideoResult> {
  const events = listenForGeminiEvents();
  if (!input.prompt?.trim()) throw badInput('a video prompt is required');
  const usage = trackGeminiUsage(input.budget);
  const model = input.model ?? defaultVideoModel;

  // An Omni video may end with interaction.completed alone, with video.generated too, or with no webhook at all
  // (then reconciliation reads the interaction). Runs started before this change wait for video.generated only.
  const done: GeminiEventType[] = patched('video-done-on-either-event')
    ? ['video.generated', 'interaction.completed']
    : ['video.generated'];
  const { interactionId, event, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      model,
      input: input.prompt,
      response_format: {
        type: 'video',
        delivery: 'uri',
        ...(input.aspectRatio ? { aspect_ratio: input.aspectRatio } : {}),
      },
    },
    { done, what: 'video generation', wait: waitSettingsOf(input), usage },
  );

  // Sources name the file differently (output_file_uri, file_name, video_uri); interaction.completed names none, and
  // the activity then reads it from the interaction.
  const file = [event.data.file_name, event.data.output_file_uri, event.data.video_uri].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const video = await downloadGeneratedVideo({ interactionId, ...(file ? { file } : {}) });
  usage.recordJob(model, video.usage);
  return { ...video, resolvedBy, geminiUsage: usage.report() };
}
