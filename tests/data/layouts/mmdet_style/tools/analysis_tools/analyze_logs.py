# Copyright (c) OpenMMLab. All rights reserved.
import argparse
import json
from collections import defaultdict

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def cal_train_time(log_dicts, args):
    for i, log_dict in enumerate(log_dicts):
        print(f'{"-" * 5}Analyze train time of {args.json_logs[i]}{"-" * 5}')
        all_times = []
        for epoch in log_dict.keys():
            all_times.append(log_dict[epoch]['time'])
        all_times = np.array(all_times)
        print(f'average iter time: {np.mean(all_times):.4f} s/iter')


def plot_curve(log_dicts, args):
    if args.backend is not None:
        plt.switch_backend(args.backend)
    sns.set_style(args.style)
    for i, log_dict in enumerate(log_dicts):
        for j, metric in enumerate(args.keys):
            xs = list(log_dict.keys())
            ys = [log_dict[e][metric] for e in xs]
            plt.plot(xs, ys, label=f'{args.json_logs[i]}_{metric}', linewidth=0.5)
    plt.legend()
    if args.out is None:
        plt.show()
    else:
        plt.savefig(args.out)
        plt.cla()


def parse_args():
    parser = argparse.ArgumentParser(description='Analyze Json Log')
    subparsers = parser.add_subparsers(dest='task', help='task parser')
    parser_plt = subparsers.add_parser('plot_curve', help='parser for plotting curves')
    parser_plt.add_argument('json_logs', type=str, nargs='+')
    parser_plt.add_argument('--keys', type=str, nargs='+', default=['bbox_mAP'])
    parser_plt.add_argument('--out', type=str, default=None)
    return parser.parse_args()


def load_json_logs(json_logs):
    log_dicts = [dict() for _ in json_logs]
    for json_log, log_dict in zip(json_logs, log_dicts):
        with open(json_log, 'r') as log_file:
            for line in log_file:
                log = json.loads(line.strip())
                epoch = log.pop('epoch')
                log_dict.setdefault(epoch, defaultdict(list))
    return log_dicts


def main():
    args = parse_args()
    log_dicts = load_json_logs(args.json_logs)
    eval(args.task)(log_dicts, args)


if __name__ == '__main__':
    main()
