"""The comparison protocol: specs, records from work dirs with known logs,
and the summary's per-seed values, mean +- std and paired differences."""
import json
import os.path as osp

import pytest

from pointmcd_plugin.utils.comparison import (Row, Spec, format_markdown,
                                              knowledge_option, load_spec,
                                              make_record, summarize)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def fake_run(root, name, seed, val_accs, test_acc):
    """A work dir as mmengine leaves it: train lines and one validation
    line per epoch in vis_data/scalars.json, and tools/test.py's metrics
    in test/<ts>/<ts>.json."""
    work = root / name / f'seed{seed}'
    vis = work / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = []
    for epoch, acc in enumerate(val_accs, 1):
        lines.append(dict(lr=0.1, loss=2.0 / epoch, loss_cls=2.0 / epoch,
                          step=epoch * 10))
        lines.append({'cls/overall_acc': acc, 'cls/mean_acc': acc - 1,
                      'step': epoch})
    vis.joinpath('scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')
    test = work / 'test' / '20260101_010000'
    test.mkdir(parents=True)
    test.joinpath('20260101_010000.json').write_text(json.dumps(
        {'cls/overall_acc': test_acc, 'cls/mean_acc': test_acc - 1}))
    return str(work), str(work / 'test')


def test_records_read_the_last_epoch_and_the_test_run(tmp_path):
    work, test = fake_run(tmp_path, 'a', 0, [50.0, 70.0, 65.0], 80.0)
    row = Row(name='a', config='configs/x.py')
    record = make_record(row, 0, {}, 'd' * 64, work, test, 'ckpt.pth', 1.5,
                         'abc')
    assert record['val']['cls/overall_acc'] == 65.0  # the last epoch, not best
    assert record['test']['cls/overall_acc'] == 80.0
    assert record['losses']['loss_cls'] == [2.0, 2.0 / 3]
    with pytest.raises(RuntimeError, match='no validation metrics'):
        make_record(row, 0, {}, 'd', str(tmp_path / 'none'), test, 'c', 1,
                    'abc')


def test_records_carry_the_knowledge_digest_and_mixed_rows_are_flagged(
        tmp_path):
    """A record keeps the sha256 of the knowledge it trained on; a row
    whose seeds trained on different bytes (or on bytes not recorded) is
    flagged in the summary and noted under the table; one knowledge file
    for all seeds is not."""
    import hashlib
    first, second = tmp_path / 'k1.npy', tmp_path / 'k2.npy'
    first.write_bytes(b'teacher one')
    second.write_bytes(b'teacher two')
    records = {}
    for name, files in (('same', [first, first]), ('mixed', [first, second]),
                        ('old', [first, None])):
        for seed, knowledge in enumerate(files):
            work, test = fake_run(tmp_path, name, seed, [50.0], 60.0)
            row = Row(name, 'p.py', knowledge=str(knowledge or first))
            record = make_record(row, seed, {}, 'd', work, test, 'c', 1.0,
                                 'abc')
            if knowledge is None:  # a record from before the field
                del record['knowledge_sha256']
            records.setdefault(name, {})[seed] = record
    sha = records['mixed'][1]['knowledge_sha256']
    assert sha == hashlib.sha256(b'teacher two').hexdigest()
    rows = [Row(n, 'p.py', knowledge='k.npy') for n in records]
    spec = Spec(name='s', path='s.py', rows=rows, seeds=[0, 1],
                reference=None)
    summary = summarize(spec, records)
    flags = {e['name']: e['mixed_knowledge'] for e in summary['rows']}
    assert flags == dict(same=False, mixed=True, old=True)
    table = format_markdown(summary)
    assert "'same' mixes" not in table
    assert (f"'mixed' mixes knowledge files (sha256 seeds 0: "
            f"{records['mixed'][0]['knowledge_sha256'][:12]}; seeds 1: "
            f"{sha[:12]})") in table
    assert 'seeds 1: not recorded' in table
    # Across rows: the one row on one content is not a mixture of rows.
    assert summary['mixed_knowledge_paths'] == {}
    assert 'different bytes' not in table
    # Rows on one content each, but different contents: noted too.
    rows = [Row('same', 'p.py', knowledge='k.npy'),
            Row('other', 'p.py', knowledge='k.npy'),
            Row('elsewhere', 'p.py', knowledge='e.npy')]
    records['other'] = {0: dict(records['mixed'][1], row='other')}
    records['elsewhere'] = {0: dict(records['mixed'][1], row='elsewhere')}
    spec = Spec(name='s', path='s.py', rows=rows, seeds=[0, 1],
                reference=None)
    summary = summarize(spec, records)
    assert [e['mixed_knowledge'] for e in summary['rows']] == [False] * 3
    first_sha = records['same'][0]['knowledge_sha256'][:12]
    assert summary['mixed_knowledge_paths'] == {
        'k.npy': {first_sha: ['same'], sha[:12]: ['other']}}
    assert (f"Note: the rows read k.npy with different bytes (sha256 "
            f"{first_sha}: 'same'; {sha[:12]}: 'other')") in \
        format_markdown(summary)


def test_resumed_runs_are_recorded_and_noted(tmp_path):
    """A record says whether its training resumed an interrupted one
    (records from before the field count as not resumed), and the table
    notes the resumed seeds of each row."""
    records = {}
    for seed, resumed in enumerate((False, True, None)):
        work, test = fake_run(tmp_path, 'a', seed, [50.0], 60.0)
        record = make_record(Row('a', 'a.py'), seed, {}, 'd', work, test,
                             'c', 1.0, 'abc', resumed=bool(resumed))
        assert record['resumed'] is bool(resumed)
        if resumed is None:  # a record from before the field
            del record['resumed']
        records.setdefault('a', {})[seed] = record
    spec = Spec(name='s', path='s.py', rows=[Row('a', 'a.py')],
                seeds=[0, 1, 2], reference=None)
    summary = summarize(spec, records)
    assert summary['rows'][0]['resumed_seeds'] == [1]
    assert "Note: 'a' seeds 1 resumed an interrupted training" in \
        format_markdown(summary)
    del records['a'][1]
    assert 'resumed' not in format_markdown(summarize(spec, records))


def test_summary_pairs_seeds_against_the_reference(tmp_path):
    rows = [Row('baseline', 'b.py'), Row('control', 'c.py'),
            Row('pointmcd', 'p.py')]
    spec = Spec(name='s', path='s.py', rows=rows, seeds=[0, 1, 2],
                reference='control')
    tests = dict(baseline=[90.0, 85.0, 86.0], control=[95.0, 94.0, 93.0],
                 pointmcd=[96.0, 93.0, 96.0])
    records = {}
    for name, accs in tests.items():
        for seed, acc in enumerate(accs):
            if name == 'pointmcd' and seed == 1:
                continue  # not finished: left out of its row and the pairs
            work, test = fake_run(tmp_path, name, seed, [acc - 2], acc)
            records.setdefault(name, {})[seed] = make_record(
                Row(name, f'{name}.py'), seed, {}, 'd', work, test, 'c', 2.0,
                'abc')
    summary = summarize(spec, records)
    base, control, ours = summary['rows']
    assert base['test'] == [90.0, 85.0, 86.0]
    assert base['test_mean'] == pytest.approx(87.0)
    assert base['test_std'] == pytest.approx(2.6457513)  # ddof 1
    assert base['val_mean'] == pytest.approx(85.0)
    assert base['test_diff'] == [-5.0, -9.0, -7.0]
    assert base['test_diff_mean'] == pytest.approx(-7.0)
    assert base['test_diff_std'] == pytest.approx(2.0)
    assert ours['seeds'] == [0, 2] and ours['paired_seeds'] == [0, 2]
    assert ours['test_diff'] == [1.0, 3.0]
    assert ours['val_diff'] == [1.0, 3.0]
    assert 'test_diff' not in control
    table = format_markdown(summary)
    assert '| pointmcd | 0 2 | 94.0, 94.0 | 94.0 ± 0.0 | 96.0, 96.0 | ' \
        '96.0 ± 0.0 | +2.0 ± 1.4 | +1.0, +3.0 | +2.0 ± 1.4 | 2.0 |' in table
    assert '| baseline | 0 1 2 |' in table and '-7.0 ± 2.0' in table


def test_sweeps_expand_and_the_choice_is_made_on_validation(tmp_path):
    spec_file = tmp_path / 'comparisons' / 'sweep.py'
    spec_file.parent.mkdir()
    (tmp_path / 'cfg.py').write_text('x = 1\n')
    spec_file.write_text(
        "seeds = [0]\n"
        "rows = [dict(name='b', config='../cfg.py', sweep=dict(\n"
        "    key='optim_wrapper.optimizer.lr', values=[0.1, 0.01]))]\n")
    spec = load_spec(str(spec_file))
    assert [r.name for r in spec.rows] == ['b [lr=0.1]', 'b [lr=0.01]']
    assert spec.rows[1].cfg_options == {'optim_wrapper.optimizer.lr': 0.01}
    assert osp.samefile(spec.rows[0].config, str(tmp_path / 'cfg.py'))
    # --rows: the swept row's name selects all its values, a value by its
    # own name; an unknown name is refused, naming the rows
    assert spec.select(['b']) == spec.rows
    assert spec.select(['b [lr=0.01]']) == spec.rows[1:]
    with pytest.raises(KeyError, match=r"no row named 'c'; rows are"):
        spec.select(['c'])
    records = {}
    # lr 0.01 is better on validation but worse on test: the choice is
    # made on validation.
    for row, (val, test) in zip(spec.rows, [(80.0, 90.0), (85.0, 70.0)]):
        work, test_dir = fake_run(tmp_path, row.slug, 0, [val], test)
        records[row.name] = {0: make_record(row, 0, row.cfg_options, 'd',
                                            work, test_dir, 'c', 1, 'abc')}
    summary = summarize(spec, records)
    assert summary['chosen'] == {'b': 'b [lr=0.01]'}
    assert "Chosen on validation for 'b': b [lr=0.01]" in \
        format_markdown(summary)


def test_bad_specs_are_refused(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("rows = [dict(name='a')]\n")
    with pytest.raises(ValueError, match=r'rows\[0\] needs name and config'):
        load_spec(str(bad))
    bad.write_text("rows = [dict(name='a', config='nowhere.py')]\n")
    with pytest.raises(FileNotFoundError, match='nowhere.py'):
        load_spec(str(bad))
    (tmp_path / 'c.py').write_text('x = 1\n')
    bad.write_text("reference = 'z'\nrows = [dict(name='a', config='c.py')]\n")
    with pytest.raises(KeyError, match="no row named 'z'"):
        load_spec(str(bad))


def test_knowledge_points_the_pipelines_load_step_at_the_cache():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs',
                                   'pointmcd_pointnet_synthetic.py'))
    option = knowledge_option(cfg, 'other/knowledge.npy')
    (key, value), = option.items()
    cfg.merge_from_dict(option)
    step = cfg.train_dataloader.dataset.pipeline[int(key.split('.')[-2])]
    assert step.type == 'LoadTeacherKnowledge'
    assert step.cache == 'other/knowledge.npy' == value
    with pytest.raises(ValueError, match='exactly one LoadTeacherKnowledge'):
        knowledge_option(Config.fromfile(osp.join(
            REPO, 'configs', 'pointnet_synthetic.py')), 'k.npy')


def test_the_repositorys_specs_load():
    import glob
    specs = [p for p in glob.glob(osp.join(REPO, 'configs', 'comparisons',
                                           '*.py'))
             if not osp.basename(p).startswith('_')]
    assert specs
    for path in specs:
        spec = load_spec(path)
        for row in spec.rows:
            assert osp.isfile(row.config), row.config


def test_a_row_takes_the_options_its_sweep_chose(tmp_path):
    from pointmcd_plugin.utils.comparison import (apply_choices,
                                                  collect_records,
                                                  record_path, write_record)
    folder = tmp_path / 'comparisons'
    folder.mkdir()
    (tmp_path / 'cfg.py').write_text('x = 1\n')
    (folder / 'sweep.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='b', config='../cfg.py', sweep=dict(\n"
        "    key='optim_wrapper.optimizer.lr', values=[0.1, 0.01]))]\n")
    (folder / 'table.py').write_text(
        "seeds = [0, 1]\n"
        "rows = [dict(name='tuned', config='../cfg.py',\n"
        "             chosen_from=dict(spec='./sweep.py', row='b')),\n"
        "        dict(name='longer', config='../cfg.py',\n"
        "             cfg_options={'train_cfg.max_epochs': 3},\n"
        "             chosen_from=dict(spec='./sweep.py', row='b'))]\n")
    results = str(tmp_path / 'results')
    table = load_spec(str(folder / 'table.py'))
    with pytest.raises(RuntimeError, match='has not finished'):
        apply_choices(table, results)
    sweep = load_spec(str(folder / 'sweep.py'))
    _, missing = collect_records(sweep, results)
    for (row, seed, options, digest, path), val in zip(missing, [80., 85.]):
        work, test = fake_run(tmp_path, row.slug, seed, [val], 50.0)
        write_record(path, make_record(row, seed, options, digest, work,
                                       test, 'c', 1, 'abc'))
    apply_choices(table, results)
    tuned, longer = table.rows
    assert tuned.cfg_options == {'optim_wrapper.optimizer.lr': 0.01}
    assert longer.cfg_options == {'optim_wrapper.optimizer.lr': 0.01,
                                  'train_cfg.max_epochs': 3}
    # The sweep's chosen run is the tuned row's seed 0: one shared record.
    records, missing = collect_records(table, results)
    assert list(records) == ['tuned'] and list(records['tuned']) == [0]
    assert [(m[0].name, m[1]) for m in missing] == [
        ('tuned', 1), ('longer', 0), ('longer', 1)]
    assert missing[0][4] == record_path(results, tuned.config, missing[0][3])


def test_a_sweep_at_another_sweeps_choice_is_resolved_in_order(tmp_path):
    """A weight swept at the rate a first sweep chose: a table row chosen
    from the weight sweep carries both choices, the weight sweep's records
    are found under the chosen rate, and a circle is refused."""
    from pointmcd_plugin.utils.comparison import (apply_choices,
                                                  collect_records,
                                                  write_record)
    folder = tmp_path / 'comparisons'
    folder.mkdir()
    (tmp_path / 'cfg.py').write_text('x = 1\n')
    (folder / 'lr.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='b', config='../cfg.py', sweep=dict(\n"
        "    key='optim_wrapper.lr', values=[0.1, 0.01]))]\n")
    (folder / 'weight.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='w', config='../cfg.py',\n"
        "             chosen_from=dict(spec='./lr.py', row='b'),\n"
        "             sweep=dict(key='model.weight', values=[1, 3]))]\n")
    (folder / 'table.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='t', config='../cfg.py',\n"
        "             chosen_from=dict(spec='./weight.py', row='w'))]\n")
    results = str(tmp_path / 'results')
    LR, W = 'optim_wrapper.lr', 'model.weight'

    def finish(spec, vals):
        _, missing = collect_records(spec, results)
        for (row, seed, options, digest, path), val in zip(missing, vals):
            work, test = fake_run(tmp_path / spec.name, row.slug, seed,
                                  [val], 50.0)
            write_record(path, make_record(row, seed, options, digest, work,
                                           test, 'c', 1, 'abc'))

    finish(load_spec(str(folder / 'lr.py')), [80.0, 85.0])  # lr 0.01
    weight = load_spec(str(folder / 'weight.py'))
    apply_choices(weight, results)
    assert [r.cfg_options for r in weight.rows] == [
        {LR: 0.01, W: 1}, {LR: 0.01, W: 3}]
    table = load_spec(str(folder / 'table.py'))
    with pytest.raises(RuntimeError, match='has not finished'):
        apply_choices(table, results)
    finish(weight, [70.0, 75.0])  # weight 3
    apply_choices(table, results)
    assert table.rows[0].cfg_options == {LR: 0.01, W: 3}
    records, missing = collect_records(table, results)
    assert not missing  # the weight sweep's chosen run is the table's
    (folder / 'lr.py').write_text(
        "seeds = [0]\n"
        "rows = [dict(name='b', config='../cfg.py',\n"
        "             chosen_from=dict(spec='./table.py', row='t'),\n"
        "             sweep=dict(key='optim_wrapper.lr', values=[0.1]))]\n")
    with pytest.raises(ValueError, match='circle'):
        apply_choices(load_spec(str(folder / 'table.py')), results)
